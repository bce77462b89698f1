// A bank-shaped application that knows nothing of the migration, for multi-table lock tests: every
// transaction changes an account's balance and logs the amount in the keyless ledger `history`, in
// BOTH lock orders (update the account, then log it, as most code does; log first, then update), and
// a few hot accounts take most of the traffic from several sessions. Every error is recorded, and the
// ledger proves afterwards that no transaction was lost, half-applied or applied twice.
//
// Every session pays into the same accounts, the hot ones most. A history-first transaction holds FOR
// KEY SHARE on its account (the foreign-key check of its insert) before it updates it; two of them on
// one account never conflict in PostgreSQL, because a balance update takes FOR NO KEY UPDATE. A
// migration must keep it so: a unique index on a column the backfill is still filling would turn those
// updates into key updates (FOR UPDATE) that deadlock each other, which is why the column rebuild
// builds its index copies only after the fill.
import postgres from 'postgres';

export interface AccountTablesOptions {
  readonly accounts?: number;
  /** Give `history` an identity primary key (something a new table can reference). */
  readonly historyKey?: boolean;
  /** `history.account_id references accounts (id)` from the start. */
  readonly historyForeignKey?: boolean;
}

/**
 * `accounts (id int primary key, n int unique, balance)`, with n = id (the application looks accounts
 * up by n, so a migration may rename or retype id), and `history (account_id, amount, at)`.
 */
export async function createAccountTables(sql: postgres.Sql, options: AccountTablesOptions = {}): Promise<void> {
  await sql`create table accounts (id int primary key, n int not null unique, balance bigint not null default 0)`;
  await sql`insert into accounts (id, n) select g, g from generate_series(1, ${options.accounts ?? 50}::int) g`;
  const key = options.historyKey === true ? ', id bigint generated always as identity primary key' : '';
  const fk = options.historyForeignKey === true ? ' references accounts (id)' : '';
  await sql.unsafe(`create table history (account_id int not null${fk}, amount int not null, at timestamptz not null default now()${key})`);
  await sql`create index on history (account_id)`;
}

/** A create-table operation for a new table with foreign keys to both account tables (history needs historyKey). */
/** The types of the account key and of the history column that references it. */
export async function accountKeyTypes(sql: postgres.Sql): Promise<{ table: string; type: string }[]> {
  return sql<{ table: string; type: string }[]>`
    select attrelid::regclass::text as table, format_type(atttypid, atttypmod) as type from pg_attribute
    where (attrelid, attname) in (('accounts'::regclass, 'id'), ('history'::regclass, 'account_id')) order by 1`;
}

export const disputesTable = {
  op: 'create-table',
  table: 'disputes',
  columns: [
    { name: 'id', type: 'bigint', identity: 'always' },
    { name: 'account_id', type: 'int', nullable: false },
    { name: 'history_id', type: 'bigint', nullable: false },
  ],
  primaryKey: ['id'],
  foreignKeys: [
    { columns: ['account_id'], references: { table: 'accounts', columns: ['id'] } },
    { columns: ['history_id'], references: { table: 'history', columns: ['id'] } },
  ],
} as const;

export interface AccountWorkloadOptions {
  /** Sessions per lock order (account first, history first). */
  readonly sessionsPerOrder?: number;
  /** Sessions that only pay into the hot accounts of the account-first half. */
  readonly hotSessions?: number;
  readonly accounts?: number;
  readonly hotAccounts?: number;
  readonly pauseMs?: number;
}

export interface AccountWorkloadReport {
  /** Committed transactions: each logged exactly one history row. */
  readonly transactions: number;
  readonly errors: readonly string[];
  /** The longest transaction, start to commit: how long the worst writer waited. */
  readonly worstWaitMs: number;
}

export interface AccountWorkload {
  /** Resolves once `count` more transactions have committed. */
  waitForTransactions(count: number): Promise<void>;
  stop(): Promise<AccountWorkloadReport>;
}

type Order = 'account first' | 'history first';

export function startAccountWorkload(url: string, options: AccountWorkloadOptions = {}): AccountWorkload {
  const perOrder = options.sessionsPerOrder ?? 2;
  const hot = options.hotSessions ?? 2;
  const accounts = options.accounts ?? 50;
  const hotAccounts = options.hotAccounts ?? 3;
  const sessions = 2 * perOrder + hot;
  const sql = postgres(url, { max: sessions, onnotice: () => undefined });
  let running = true;
  let transactions = 0;
  let worstWaitMs = 0;
  const errors: string[] = [];
  const waiters: { readonly at: number; readonly resolve: () => void }[] = [];

  const pay = async (order: Order, account: number, amount: number): Promise<void> => {
    await sql.begin(async (tx) => {
      const update = (): Promise<unknown> => tx`update accounts set balance = balance + ${amount} where n = ${account}`;
      const log = (): Promise<unknown> => tx`insert into history (account_id, amount) values (${account}, ${amount})`;
      if (order === 'account first') {
        await update();
        await log();
      } else {
        await log();
        await update();
      }
    });
  };

  const loop = async (session: number): Promise<void> => {
    const order: Order = session >= perOrder && session < 2 * perOrder ? 'history first' : 'account first';
    const onlyHot = session >= 2 * perOrder;
    for (let i = 0; running; i++) {
      const account = 1 + (onlyHot || i % 2 === 0 ? (session + i) % Math.min(hotAccounts, accounts) : Math.floor(Math.random() * accounts));
      const started = performance.now();
      try {
        await pay(order, account, 1 + (i % 7));
        transactions++;
        for (const waiter of waiters.filter((w) => transactions >= w.at)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      } catch (error) {
        errors.push(`${order}: ${error instanceof Error ? error.message : String(error)}`);
      }
      worstWaitMs = Math.max(worstWaitMs, performance.now() - started);
      // Kept: paces the application's loop (its think time), not a wait for anything.
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 2));
    }
  };
  const loops = Array.from({ length: sessions }, (_, n) => loop(n));

  return {
    waitForTransactions(count) {
      return new Promise((resolve) => waiters.push({ at: transactions + count, resolve }));
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      await sql.end({ timeout: 5 });
      return { transactions, errors, worstWaitMs };
    },
  };
}

/**
 * What is wrong with the ledger: every account's balance is the sum of its history rows, and there
 * is one history row per committed transaction. Empty when all is right.
 */
export async function ledgerProblems(sql: postgres.Sql, transactions: number): Promise<string[]> {
  const wrong = await sql<{ n: number; balance: string; logged: string }[]>`
    select a.n, a.balance::text as balance, coalesce(h.total, 0)::text as logged
    from accounts a left join (select account_id, sum(amount) as total from history group by account_id) h on h.account_id = a.n
    where a.balance <> coalesce(h.total, 0) order by a.n`;
  const [rows] = await sql<{ count: number }[]>`select count(*)::int as count from history`;
  return [
    ...wrong.map((r) => `account ${r.n}: balance ${r.balance}, history sums to ${r.logged}`),
    ...(rows?.count === transactions ? [] : [`${rows?.count ?? 0} history rows for ${transactions} committed transactions`]),
  ];
}
