// The other long operations against their offline ceilings, each on an identical fresh table:
// `online start change-type` (its fill plus its verify pass) against ALTER COLUMN … TYPE, and
// `online start create-index` (CREATE INDEX CONCURRENTLY, as the CLI runs it) against a plain CREATE INDEX.
import type postgres from 'postgres';
import { benchSchema, benchStateSchema, benchTable } from './bench-table.js';
import { backfillWindow, eventsOf, type OnlineCliRun } from './online-cli-run.js';

export interface OfflineCeiling {
  readonly id: 'change-type' | 'create-index';
  /** What online runs, and what it is held against. */
  readonly onlineLabel: string;
  readonly offlineLabel: string;
  readonly offlineSql: string;
  /** `online` arguments; `--json` is added. */
  readonly onlineArgs: readonly string[];
  /** online's own time for the work, from its events (not the CLI's start-up or expand bookkeeping). */
  onlineWindow(run: OnlineCliRun, rows: number): { from: number; to: number };
  /** Fails unless the table ends as it must after either way. */
  check(sql: postgres.Sql): Promise<void>;
}

const common = ['--schema', benchSchema, '--table', benchTable, '--state-schema', benchStateSchema] as const;
const indexName = 'tickets_status_updated_at_idx';

export const changeTypeCeiling: OfflineCeiling = {
  id: 'change-type',
  onlineLabel: 'online change-type title → varchar(200): fill + verify',
  offlineLabel: 'ALTER TABLE … ALTER COLUMN title TYPE varchar(200)',
  offlineSql: `alter table ${benchTable} alter column title type varchar(200)`,
  onlineArgs: ['start', 'change-type', ...common, '--column', 'title', '--type', 'varchar(200)'],
  onlineWindow(run, rows) {
    const fill = eventsOf(run, 'backfill-done').find((e) => e.event.pass === 'fill');
    if (fill === undefined || Number(fill.event.rowsDone) !== rows)
      throw new Error(`change-type's fill pass did ${String(fill?.event.rowsDone)} rows, expected ${rows}`);
    if (!eventsOf(run, 'backfill-done').some((e) => e.event.pass === 'verify')) throw new Error('change-type ran no verify pass');
    return backfillWindow(run);
  },
  async check(sql) {
    // Offline: the column itself; online (before contract): its shadow column of the new type.
    const [row] = await sql.unsafe<{ n: string }[]>(
      `select count(*) as n from pg_attribute
       where attrelid = '${benchTable}'::regclass and attnum > 0 and not attisdropped
         and format_type(atttypid, atttypmod) = 'character varying(200)'`,
    );
    if (Number(row?.n) !== 1) throw new Error('change-type left no varchar(200) column');
  },
};

export const createIndexCeiling: OfflineCeiling = {
  id: 'create-index',
  onlineLabel: 'online create-index (status, updated_at): CREATE INDEX CONCURRENTLY',
  offlineLabel: 'CREATE INDEX (status, updated_at)',
  offlineSql: `create index ${indexName} on ${benchTable} (status, updated_at)`,
  onlineArgs: ['start', 'create-index', ...common, '--columns', 'status,updated_at', '--name', indexName],
  onlineWindow(run) {
    // The expand steps, timed by the CLI itself: the build, and its checks around it.
    const steps = eventsOf(run, 'step').filter((e) => e.event.phase === 'expand' && e.event.skipped !== true);
    const last = steps.at(-1);
    if (last === undefined) throw new Error('create-index ran no expand step');
    const ms = steps.reduce((sum, e) => sum + Number(e.event.durationMs), 0);
    return { from: last.at - ms, to: last.at };
  },
  async check(sql) {
    const [row] = await sql.unsafe<{ valid: boolean }[]>(
      `select indisvalid as valid from pg_index where indexrelid = to_regclass('${benchSchema}.${indexName}')`,
    );
    if (row?.valid !== true) throw new Error(`${indexName} is missing or invalid`);
  },
};

export const offlineCeilings: readonly OfflineCeiling[] = [changeTypeCeiling, createIndexCeiling];
