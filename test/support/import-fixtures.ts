// The hand-written fixtures of each migration tool's generated SQL (test/fixtures/import), and the
// application each one's schema serves: writers that insert and update its two tables, in one
// transaction, in either order, touching only columns every migration of the fixture keeps.
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import type { SourceTool } from '../../src/import/import-types.js';

export const importFixturePath = (path: string): string => fileURLToPath(new URL(`../fixtures/import/${path}`, import.meta.url));

interface TableShape {
  readonly table: string;
  /** The text column each update sets. */
  readonly text: string;
}

export interface ImportFixture {
  readonly tool: Exclude<SourceTool, 'sql'>;
  /** What `online import` is pointed at. */
  readonly source: string;
  /** The people: inserted with a unique email. */
  readonly users: TableShape & { readonly email: string };
  /** The tickets: inserted with a `title` ($1) and the user who opened them; `extra`: more columns, as SQL. */
  readonly tickets: TableShape & { readonly user: string; readonly extra: Readonly<Record<string, string>> };
  /**
   * The application deployed after the source migration of this index ran: it writes these ticket
   * columns too (a data migration's backfill refuses to complete while the old application leaves
   * rows it would still change).
   */
  readonly deploys?: Readonly<Record<number, Readonly<Record<string, string>>>>;
}

export const importFixtures: readonly ImportFixture[] = [
  {
    tool: 'prisma',
    source: importFixturePath('prisma/prisma/migrations'),
    users: { table: 'User', email: 'email', text: 'name' },
    // "updatedAt" has no default: Prisma's client fills it.
    tickets: { table: 'Ticket', text: 'title', user: 'authorId', extra: { updatedAt: 'now()' } },
  },
  {
    tool: 'drizzle',
    source: importFixturePath('drizzle/drizzle'),
    users: { table: 'users', email: 'email', text: 'name' },
    // 0002 fills search_title = lower(title) for the rows written before the application did.
    tickets: { table: 'tickets', text: 'status', user: 'author_id', extra: {} },
    deploys: { 1: { search_title: 'lower($1)' } },
  },
  {
    tool: 'node-pg-migrate',
    source: importFixturePath('node-pg-migrate/migrations'),
    users: { table: 'users', email: 'email', text: 'display_name' },
    tickets: { table: 'tickets', text: 'title', user: 'requester_id', extra: {} },
  },
  {
    tool: 'flyway',
    source: importFixturePath('flyway/sql'),
    users: { table: 'users', email: 'email', text: 'full_name' },
    tickets: { table: 'tickets', text: 'title', user: 'requester_id', extra: {} },
  },
];

/** Inserts user `n` and a ticket of theirs, in one transaction; `deployed`: the ticket columns the application writes besides. */
export async function insertUserAndTicket(
  sql: postgres.Sql,
  f: ImportFixture,
  n: number,
  deployed: Readonly<Record<string, string>> = {},
): Promise<void> {
  await sql.begin(async (tx) => {
    const [user] = await tx<{ id: number }[]>`
      insert into ${tx(f.users.table)} (${tx(f.users.email)}, ${tx(f.users.text)}) values (${`user${n}@example.com`}, ${`user ${n}`}) returning id`;
    const extra = { ...f.tickets.extra, ...deployed };
    const columns = ['title', f.tickets.user, ...Object.keys(extra)];
    const values = [`$1`, `$2`, ...Object.values(extra)];
    await tx.unsafe(`insert into "${f.tickets.table}" (${columns.map((c) => `"${c}"`).join(', ')}) values (${values.join(', ')})`, [
      `ticket ${n}`,
      user?.id ?? 0,
    ]);
  });
}

/**
 * Updates one ticket and one user of writer `w` (rows whose id ≡ w mod `of`, so writers never wait
 * for each other), in one transaction, tickets first or users first.
 */
export async function touchBoth(sql: postgres.Sql, f: ImportFixture, w: number, of: number, ticketsFirst: boolean): Promise<void> {
  const touch = async (tx: postgres.TransactionSql, t: TableShape, i: number): Promise<void> => {
    await tx`
      update ${tx(t.table)} set ${tx(t.text)} = ${`${t.text} ${i}`}
       where id = (select floor(random() * (select max(id) / ${of} from ${tx(t.table)}))::bigint * ${of} + ${w})`;
  };
  await sql.begin(async (tx) => {
    const i = Math.floor(Math.random() * 1e6);
    if (ticketsFirst) {
      await touch(tx, f.tickets, i);
      await touch(tx, f.users, i);
    } else {
      await touch(tx, f.users, i);
      await touch(tx, f.tickets, i);
    }
  });
}

/** prisma-engines' PostgreSQL DDL for Prisma's ledger (postgres flavour, create_migrations_table). */
export const prismaMigrationsTable = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
  )`;
