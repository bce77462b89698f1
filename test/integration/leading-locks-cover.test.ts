// Every multi-table step the planners make opens with one LOCK TABLE per table, and after those the
// step takes no table lock they do not already cover: no lock upgraded mid-transaction, no table
// forgotten (either would be a wait while holding, the short kind, but a needless retry under load).
// Checked against PostgreSQL's own pg_locks, running each step's statements for real.
import { describe, expect, it } from 'vitest';
import { splitLeadingLocks } from '../../src/db/leading-locks.js';
import { conflictsWith, lockModes, type LockMode } from '../../src/db/lock-modes.js';
import { parseSpec, planMigration, startMigration, type MigrationSpec } from '../../src/index.js';
import type { PlannedStep } from '../../src/plan/plan.js';
import { createAccountTables, disputesTable } from '../support/account-workload.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';

const db = useTestDatabase('lead_locks', { per: 'test' });

async function accounts(): Promise<TestDatabase> {
  await createAccountTables(db.sql, { historyForeignKey: true, historyKey: true });
  await db.sql`create table account_notes (id int primary key, account_id int references accounts (id), history_id bigint references history (id))`;
  return db;
}

const modeOf = (pgLocksMode: string): LockMode | undefined =>
  lockModes.find((m) => `${m.replaceAll(' ', '')}lock` === pgLocksMode.toLowerCase());

/** Runs the step (committed), and returns what it locked beyond its leading locks; asserts it had at least two. */
async function uncovered(sql: TestDatabase['sql'], step: PlannedStep): Promise<string[]> {
  const { leading, rest } = splitLeadingLocks(step.statements);
  expect(leading.length, step.description).toBeGreaterThanOrEqual(1);
  const reserved = await sql.reserve();
  try {
    await reserved`begin`;
    const tables = await reserved<{ oid: number; name: string }[]>`
      select c.oid::int as oid, c.relname as name from pg_class c where c.relkind in ('r', 'p') and c.relnamespace = 'public'::regnamespace`;
    const leads = new Map<number, LockMode>();
    for (const lock of leading) {
      await reserved.unsafe(lock.statement);
      const [row] = await reserved<{ oid: number }[]>`select to_regclass(${lock.relation})::oid::int as oid`;
      leads.set(row?.oid ?? 0, lock.mode);
    }
    for (const statement of rest) await reserved.unsafe(statement);
    // A table the step drops (`drop table if exists`, not named first so that it may be gone) is left out.
    const held = await reserved<{ oid: number; mode: string }[]>`
      select relation::int as oid, mode from pg_locks where pid = pg_backend_pid() and locktype = 'relation' and granted
        and exists (select from pg_class where oid = relation)`;
    await reserved`commit`;
    const problems: string[] = [];
    for (const { oid, mode } of held) {
      const table = tables.find((t) => t.oid === oid);
      const taken = modeOf(mode);
      if (table === undefined || taken === undefined) continue;
      const lead = leads.get(oid);
      if (lead === undefined) {
        // A table the step locks without naming it first: fine only if no writer could hold it up.
        if (conflictsWith(taken).includes('row exclusive')) problems.push(`${table.name}: ${taken} without a leading lock`);
      } else if (!conflictsWith(taken).every((m) => conflictsWith(lead).includes(m))) {
        problems.push(`${table.name}: ${taken} beyond the leading ${lead}`);
      }
    }
    return problems;
  } finally {
    reserved.release();
  }
}

/** Runs every step that opens with LOCK TABLE; the others run as they are. */
async function runSteps(sql: TestDatabase['sql'], steps: readonly PlannedStep[]): Promise<string[]> {
  const problems: string[] = [];
  for (const step of steps) {
    if (splitLeadingLocks(step.statements).leading.length > 0)
      problems.push(...(await uncovered(sql, step)).map((p) => `${step.description}: ${p}`));
    else for (const statement of step.statements) await sql.unsafe(statement);
  }
  return problems;
}

const spec = (operation: Record<string, unknown>): MigrationSpec => parseSpec({ operations: [operation] }, 'test');

describe('the leading locks of a multi-table step cover every table lock it takes', () => {
  it('add-foreign-key: expand, contract and rollback', async () => {
    const { url, sql } = await accounts();
    await sql`alter table history drop constraint history_account_id_fkey`;
    const plan = await planMigration({
      databaseUrl: url,
      spec: spec({ op: 'add-foreign-key', table: 'history', columns: ['account_id'], references: { table: 'accounts', columns: ['id'] } }),
    });
    expect(await runSteps(sql, [...plan.expand, ...plan.contract, ...plan.rollback])).toEqual([]);
  });

  it('change-type of a referenced key: the foreign keys again, their validation, the swap; and the rollback', async () => {
    const { url, sql } = await accounts();
    const changeType = spec({ op: 'change-type', table: 'accounts', column: 'id', type: 'bigint' });
    const plan = await planMigration({ databaseUrl: url, spec: changeType });
    await startMigration({ databaseUrl: url, spec: changeType });
    expect(await runSteps(sql, plan.rollback)).toEqual([]);
    // Rolled back by hand: expand again (idempotent steps), fill the copies, then contract.
    await runSteps(sql, plan.expand);
    for (const task of plan.backfill)
      await sql.unsafe(`update ${task.table.schema}.${task.table.name} set ${task.set} where ${task.needsWork}`);
    expect(await runSteps(sql, plan.contract)).toEqual([]);
    const [type] = await sql<
      { type: string }[]
    >`select format_type(atttypid, atttypmod) as type from pg_attribute where attrelid = 'history'::regclass and attname = 'account_id'`;
    expect(type?.type).toBe('bigint');
  });

  it('create-table referencing two tables: expand and rollback', async () => {
    const { url, sql } = await accounts();
    const plan = await planMigration({ databaseUrl: url, spec: spec(disputesTable) });
    expect(await runSteps(sql, [...plan.expand, ...plan.rollback])).toEqual([]);
  });

  it('drop-table of a table with foreign keys to two tables', async () => {
    const { url, sql } = await accounts();
    const plan = await planMigration({ databaseUrl: url, spec: spec({ op: 'drop-table', table: 'account_notes' }) });
    expect(await runSteps(sql, plan.contract)).toEqual([]);
  });

  it('drop-column with cascade of a referenced key', async () => {
    const { url, sql } = await accounts();
    const plan = await planMigration({
      databaseUrl: url,
      spec: spec({ op: 'drop-column', table: 'history', column: 'id', cascade: true }),
    });
    expect(await runSteps(sql, plan.contract)).toEqual([]);
  });
});
