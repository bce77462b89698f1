// Every operation whose steps lock two or more tables, run start → (rollback → start →) complete while
// an application pays into accounts and logs each payment in a keyless history table, taking the two
// tables in BOTH orders, with hot accounts every session fights over. No application transaction may
// fail in any way (a deadlock included), and the ledger must balance to the last transaction.
import { describe, expect, it } from 'vitest';
import { completeMigration, parseSpec, rollbackMigration, startMigration, type MigrationSpec, type OnlineEvent } from '../../src/index.js';
import {
  accountKeyTypes,
  createAccountTables,
  disputesTable,
  ledgerProblems,
  startAccountWorkload,
  type AccountTablesOptions,
} from '../support/account-workload.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The defaults users get: deadlock_timeout is the server's (1 s), as is lock_timeout. */
const options = { lockTimeoutMs: 1_000, lockRetries: 100, batchSize: 200 };

const db = useTestDatabase('multi_table', { per: 'test' });

async function accountsDatabase(tables: AccountTablesOptions): Promise<TestDatabase> {
  await createAccountTables(db.sql, tables);
  return db;
}

/** Runs the lifecycle under the workload; asserts zero writer errors and a balanced ledger; logs the worst wait. */
async function underWorkload(
  label: string,
  url: string,
  sql: TestDatabase['sql'],
  lifecycle: (onEvent: (e: OnlineEvent) => void) => Promise<void>,
): Promise<void> {
  const workload = startAccountWorkload(url);
  await workload.waitForTransactions(100);
  const retries: string[] = [];
  await lifecycle((e) => void (e.type === 'lock-retry' && retries.push(e.cause)));
  // Traffic goes on after the last step too.
  await workload.waitForTransactions(100);
  const report = await workload.stop();
  const deadlocks = retries.filter((c) => c === 'deadlock').length;
  console.log(
    `${label}: ${report.transactions} transactions, worst writer wait ${report.worstWaitMs.toFixed(0)} ms ` +
      `(lock_timeout ${options.lockTimeoutMs} ms); ${retries.length} lock retries, ${deadlocks} of them deadlocks`,
  );
  expect(report.errors).toEqual([]);
  expect(await ledgerProblems(sql, report.transactions)).toEqual([]);
}

/** start → rollback → start → complete, every call reporting its events. */
const roundTrip =
  (url: string, spec: MigrationSpec) =>
  async (onEvent: (e: OnlineEvent) => void): Promise<void> => {
    await startMigration({ databaseUrl: url, spec, options, onEvent });
    await rollbackMigration({ databaseUrl: url, migration: spec.name, onEvent });
    await startMigration({ databaseUrl: url, spec, options, onEvent });
    await completeMigration({ databaseUrl: url, migration: spec.name, onEvent });
  };

async function foreignKeysOf(sql: TestDatabase['sql'], table: string): Promise<string[]> {
  const rows = await sql<{ definition: string }[]>`
    select pg_get_constraintdef(oid) as definition from pg_constraint where conrelid = ${table}::regclass and contype = 'f' and convalidated order by 1`;
  return rows.map((r) => r.definition);
}

describe('multi-table steps under transactions that take the tables in both orders', () => {
  it('add-foreign-key history → accounts: start → rollback → start → complete', { timeout: 240_000 }, async () => {
    const { url, sql } = await accountsDatabase({});
    const spec = parseSpec(
      {
        operations: [
          { op: 'add-foreign-key', table: 'history', columns: ['account_id'], references: { table: 'accounts', columns: ['id'] } },
        ],
      },
      'test',
    );
    await underWorkload('add-foreign-key', url, sql, roundTrip(url, spec));
    expect(await foreignKeysOf(sql, 'history')).toEqual(['FOREIGN KEY (account_id) REFERENCES accounts(id)']);
  });

  it(
    'change-type of the primary key a keyless table references (the report): start → rollback → start --complete',
    { timeout: 240_000 },
    async () => {
      const { url, sql } = await accountsDatabase({ historyForeignKey: true });
      const spec = parseSpec({ operations: [{ op: 'change-type', table: 'accounts', column: 'id', type: 'bigint' }] }, 'test');
      await underWorkload('change-type', url, sql, async (onEvent) => {
        await startMigration({ databaseUrl: url, spec, options, onEvent });
        await rollbackMigration({ databaseUrl: url, migration: spec.name, onEvent });
        await startMigration({ databaseUrl: url, spec, options: { ...options, complete: true }, onEvent });
      });
      expect(await accountKeyTypes(sql)).toEqual([
        { table: 'accounts', type: 'bigint' },
        { table: 'history', type: 'bigint' },
      ]);
      expect(await foreignKeysOf(sql, 'history')).toEqual(['FOREIGN KEY (account_id) REFERENCES accounts(id)']);
    },
  );

  it('rename-column of the referenced key: start → rollback → start → complete', { timeout: 240_000 }, async () => {
    const { url, sql } = await accountsDatabase({ historyForeignKey: true });
    const spec = parseSpec({ operations: [{ op: 'rename-column', table: 'accounts', column: 'id', to: 'account_id' }] }, 'test');
    await underWorkload('rename-column', url, sql, roundTrip(url, spec));
    expect(await foreignKeysOf(sql, 'history')).toEqual(['FOREIGN KEY (account_id) REFERENCES accounts(account_id)']);
  });

  it(
    'drop-table of a retired table with a foreign key to the hot table (its drop locks both): start → complete',
    { timeout: 240_000 },
    async () => {
      const { url, sql } = await accountsDatabase({ historyForeignKey: true });
      await sql`create table account_notes (id int primary key, account_id int not null references accounts (id), note text not null)`;
      await sql`insert into account_notes select g, 1 + g % 50, 'note ' || g from generate_series(1, 100) g`;
      const spec = parseSpec({ operations: [{ op: 'drop-table', table: 'account_notes' }] }, 'test');
      await underWorkload('drop-table', url, sql, async (onEvent) => {
        await startMigration({ databaseUrl: url, spec, options, onEvent });
        await completeMigration({ databaseUrl: url, migration: spec.name, onEvent });
      });
      const [gone] = await sql<{ table: string | null }[]>`select to_regclass('account_notes')::text as table`;
      expect(gone?.table).toBeNull();
    },
  );

  it('create-table with foreign keys to both hot tables: start → rollback → start → complete', { timeout: 240_000 }, async () => {
    const { url, sql } = await accountsDatabase({ historyForeignKey: true, historyKey: true });
    const spec = parseSpec({ operations: [disputesTable] }, 'test');
    await underWorkload('create-table', url, sql, roundTrip(url, spec));
    expect(await foreignKeysOf(sql, 'disputes')).toEqual([
      'FOREIGN KEY (account_id) REFERENCES accounts(id)',
      'FOREIGN KEY (history_id) REFERENCES history(id)',
    ]);
  });
});
