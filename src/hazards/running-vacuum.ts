// A VACUUM running on one of the migration's tables or their partitions (pg_stat_progress_vacuum). It holds SHARE UPDATE
// EXCLUSIVE, which conflicts with every lock step and with CREATE INDEX CONCURRENTLY. PostgreSQL cancels
// an ordinary autovacuum that a lock request has waited behind for deadlock_timeout, but our first lock
// wait (lock_timeout, 1s by default) may end first, so a step may need its retries; an anti-wraparound
// autovacuum, or a VACUUM someone ran, does not give way: the step waits until it ends. Ordinary ones
// are hazards once they have run --hazard-age; anti-wraparound ones always.
import type { Sql } from '../db/connect.js';
import { ageText, type Hazard, type VacuumDetails } from './hazard.js';
import type { HazardLimits, HazardScope } from './hazard-scope.js';
import { scopeRelations } from './scope-relations.js';

interface VacuumRow {
  pid: number;
  table: string;
  autovacuum: boolean;
  wraparound: boolean;
  age: number;
  phase: string;
  percent: number | null;
}

export async function readRunningVacuums(sql: Sql, scope: HazardScope, limits: HazardLimits): Promise<Hazard[]> {
  const rows = await sql<VacuumRow[]>`
    select p.pid, format('%I.%I', n.nspname, c.relname) as table, a.backend_type = 'autovacuum worker' as autovacuum,
           coalesce(a.query like 'autovacuum:%(to prevent wraparound)', false) as wraparound,
           extract(epoch from now() - coalesce(a.xact_start, a.query_start, now()))::float8 as age, p.phase,
           case when p.heap_blks_total > 0 then round(100.0 * p.heap_blks_scanned / p.heap_blks_total, 1)::float8 end as percent
    from pg_stat_progress_vacuum p
    join pg_class c on c.oid = p.relid join pg_namespace n on n.oid = c.relnamespace
    left join pg_stat_activity a on a.pid = p.pid
    where p.datname = current_database() and p.relid in ${scopeRelations(sql, scope.tables)}
    order by age desc`;
  return rows
    .filter((r) => r.wraparound || r.age * 1000 >= limits.ageMs)
    .map((r) =>
      vacuumHazard({
        pid: r.pid,
        table: r.table,
        autovacuum: r.autovacuum,
        wraparound: r.wraparound,
        ageSeconds: r.age,
        phase: r.phase,
        percentScanned: r.percent,
      }),
    );
}

export function vacuumHazard(d: VacuumDetails): Hazard {
  const what = d.wraparound ? 'an anti-wraparound autovacuum' : d.autovacuum ? 'autovacuum' : 'a VACUUM';
  const progress = `${d.phase}${d.percentScanned === null ? '' : `, ${d.percentScanned}% of the heap scanned`}`;
  const running = `${what} (pid ${d.pid}) has run on ${d.table} for ${ageText(d.ageSeconds)} (${progress})`;
  if (d.autovacuum && !d.wraparound) {
    return {
      kind: 'vacuum',
      severity: 'warning',
      message: `${running}: lock steps on it may need retries until PostgreSQL cancels it for them (a --lock-timeout above deadlock_timeout makes sure it does)`,
      details: d,
    };
  }
  const fix = d.wraparound
    ? 'it does not give way to locks and must not be stopped (it prevents transaction ID wraparound): wait for it, or run the migration after it'
    : `wait for it, or cancel it: select pg_cancel_backend(${d.pid})`;
  return {
    kind: 'vacuum',
    severity: 'blocking',
    message: `${running}: lock steps and index builds on it wait until it ends; ${fix}`,
    details: d,
  };
}
