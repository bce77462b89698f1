// Dead rows in the migration's tables (pg_stat_user_tables; the leaves of a partitioned one): a
// backfill scans past them, and adds one dead version of every row it updates, so a table that is
// already bloated slows down further. A hazard from bloatDeadRows dead rows that are bloatFraction of
// the table or more; the remedy is a VACUUM before the run.
import type { Sql } from '../db/connect.js';
import type { Hazard, TableBloatDetails } from './hazard.js';
import type { HazardScope } from './hazard-scope.js';
import { scopeRelations } from './scope-relations.js';

export const bloatDeadRows = 10_000;
export const bloatFraction = 0.2;

interface BloatRow {
  table: string;
  live: number;
  dead: number;
  last_vacuum: Date | null;
}

export async function readTableBloat(sql: Sql, scope: HazardScope): Promise<Hazard[]> {
  const rows = await sql<BloatRow[]>`
    select format('%I.%I', s.schemaname, s.relname) as table, s.n_live_tup::float8 as live, s.n_dead_tup::float8 as dead,
           greatest(s.last_vacuum, s.last_autovacuum) as last_vacuum
    from pg_stat_user_tables s
    where s.relid in ${scopeRelations(sql, scope.tables)}
    order by s.n_dead_tup desc`;
  return rows.flatMap((r) => {
    const hazard = tableBloatHazard({
      table: r.table,
      liveRows: r.live,
      deadRows: r.dead,
      deadFraction: r.live + r.dead === 0 ? 0 : r.dead / (r.live + r.dead),
      lastVacuum: r.last_vacuum === null ? null : r.last_vacuum.toISOString(),
    });
    return hazard === undefined ? [] : [hazard];
  });
}

/** Undefined below the thresholds. */
export function tableBloatHazard(d: TableBloatDetails): Hazard | undefined {
  if (d.deadRows < bloatDeadRows || d.deadFraction < bloatFraction) return undefined;
  const count = (n: number): string => Math.round(n).toLocaleString('en-US');
  const vacuumed = d.lastVacuum === null ? 'no vacuum recorded' : `last vacuumed ${d.lastVacuum}`;
  return {
    kind: 'table-bloat',
    severity: 'warning',
    message:
      `${d.table} has ${count(d.deadRows)} dead rows, ${Math.round(d.deadFraction * 100)}% of its rows (${vacuumed}): ` +
      `the backfill reads past them and leaves a dead version of each row it updates; run VACUUM ${d.table} first`,
    details: d,
  };
}
