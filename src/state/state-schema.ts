// The state schema's own numbered migrations, applied in order under an advisory lock.
import type { Sql } from '../db/connect.js';
import { quoteIdent } from '../sql-text/quote.js';
import type { Db, StateStore } from './state-store.js';

const migrations: readonly ((s: string) => string[])[] = [
  // 1: the ledger
  (s) => [
    `create table ${s}.migrations (
      name text primary key,
      spec jsonb not null,
      spec_hash text not null,
      plan jsonb not null,
      options jsonb not null,
      tables text[] not null,
      status text not null,
      phase text not null,
      paused boolean not null default false,
      error jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      completed_at timestamptz
    )`,
    `create table ${s}.steps (
      migration text not null references ${s}.migrations (name) on delete cascade,
      phase text not null,
      step_index int not null,
      description text not null,
      statements jsonb not null,
      duration_ms int not null,
      executed_at timestamptz not null default now(),
      primary key (migration, phase, step_index)
    )`,
    `create table ${s}.backfill_cursors (
      migration text not null references ${s}.migrations (name) on delete cascade,
      task text not null,
      range_index int not null,
      key_columns jsonb not null,
      upper_bound jsonb,
      position jsonb,
      rows_done bigint not null default 0,
      rows_estimated bigint not null default 0,
      batches bigint not null default 0,
      batch_size int not null,
      done boolean not null default false,
      started_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (migration, task, range_index)
    )`,
    `create table ${s}.events (
      id bigserial primary key,
      migration text not null,
      at timestamptz not null default now(),
      kind text not null,
      detail jsonb not null default '{}'
    )`,
    `create index on ${s}.events (migration, id)`,
    `create table ${s}.leases (
      migration text primary key,
      host text not null,
      pid int not null,
      started_at timestamptz not null default now(),
      heartbeat_at timestamptz not null default now()
    )`,
  ],
  // 2: the backfill engine: what the worker is doing (throttled, paused, waiting for a window), each
  // range's lower bound and key kind, and rolling batch aggregates instead of a row per batch.
  (s) => [
    `alter table ${s}.migrations add column activity jsonb`,
    `alter table ${s}.backfill_cursors
      add column key_kind text not null default 'key',
      add column lower_bound jsonb,
      add column batch_ms_last float8 not null default 0,
      add column batch_ms_avg float8 not null default 0,
      add column batch_ms_max float8 not null default 0,
      add column rows_per_second float8 not null default 0`,
  ],
  // 3: the file a ctid range's pages belong to (pg_relation_filenode): a rewrite (VACUUM FULL, CLUSTER,
  // pg_repack) moves every row, and the batches must notice instead of trusting old page numbers.
  (s) => [`alter table ${s}.backfill_cursors add column relation_file bigint`],
  // 4: the forecast `start` made of each migration (src/forecast), for `history` beside the actual.
  (s) => [
    `create table ${s}.forecasts (
      migration text primary key,
      forecast jsonb not null,
      recorded_at timestamptz not null default now()
    )`,
  ],
];

/** Creates or upgrades the state schema. Concurrent callers serialize on a transaction advisory lock. */
export async function ensureStateSchema(sql: Sql, store: StateStore): Promise<void> {
  const s = quoteIdent(store.schema);
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('online-state'), hashtext(${store.schema}))`;
    await tx.unsafe(`create schema if not exists ${s}`);
    await tx.unsafe(`create table if not exists ${s}.schema_version (version int not null, applied_at timestamptz not null default now())`);
    const [row] = await tx.unsafe<{ v: number | null }[]>(`select max(version) as v from ${s}.schema_version`);
    const current = row?.v ?? 0;
    for (let version = current + 1; version <= migrations.length; version++) {
      for (const statement of migrations[version - 1]?.(s) ?? []) await tx.unsafe(statement);
      await tx.unsafe(`insert into ${s}.schema_version (version) values (${version})`);
    }
  });
}

/** Whether the state schema exists yet (read-only; used before anything is created). */
export async function stateSchemaExists(sql: Db, store: StateStore): Promise<boolean> {
  const [row] = await sql<{ ok: boolean }[]>`select to_regclass(${`${quoteIdent(store.schema)}.migrations`}) is not null as ok`;
  return row?.ok === true;
}
