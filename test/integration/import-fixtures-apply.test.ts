// The import fixtures are real generated output: each tool's migrations, read in the tool's order, apply
// cleanly offline on a fresh database, statement text as the tool would send it (one simple query per
// migration, as psql -f or the tool's runner does), and leave the schema the migrations describe.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SourceTool } from '../../src/import/import-types.js';
import { readSourceMigrations } from '../../src/import/sources/read-source.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'import');

/** Runs each migration as one simple query; `seed` (rows for the later migrations to act on) right after the first. */
async function applyOffline(db: TestDatabase, path: string, seed = '', from?: SourceTool): Promise<readonly string[]> {
  const read = await readSourceMigrations(path, from);
  for (const [i, m] of read.migrations.entries()) {
    await db.sql.unsafe(m.sql).simple();
    if (i === 0 && seed !== '') await db.sql.unsafe(seed).simple();
  }
  return read.migrations.map((m) => m.id);
}

async function tables(db: TestDatabase): Promise<readonly string[]> {
  const rows = await db.sql<
    { name: string }[]
  >`select relname as name from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' order by 1`;
  return rows.map((r) => r.name);
}

describe('each fixture applies cleanly, in order, offline', () => {
  const db = useTestDatabase('import_fixtures', { per: 'test' });

  it('prisma: enums, PascalCase tables, the dropped column gone and the title a varchar(200)', async () => {
    const seed = `insert into "User" (email, name) values ('ana@example.com', 'Ana');
      insert into "Ticket" (title, "customerEmail", "authorId", "updatedAt") values ('Printer on fire', 'c@example.com', 1, now());`;
    expect(await applyOffline(db, join(fixtures, 'prisma'), seed)).toHaveLength(4);
    expect(await db.sql`select title, priority::text from "Ticket"`).toEqual([{ title: 'Printer on fire', priority: 'MEDIUM' }]);
    expect(await tables(db)).toEqual(['Comment', 'Ticket', 'User']);
    const ticket = await catalogSnapshot(db.sql, '"Ticket"');
    expect(Object.keys(ticket.columns)).not.toContain('customerEmail');
    expect(ticket.columns.title).toMatchObject({ type: 'character varying(200)', notNull: true });
    expect(ticket.columns.priority).toMatchObject({ type: '"Priority"', notNull: true, default: `'MEDIUM'::"Priority"` });
    expect(ticket.constraints).toMatchObject({ Ticket_authorId_fkey: { type: 'f' }, Ticket_assigneeId_fkey: { type: 'f' } });
  });

  it('drizzle: the renamed column, the backfilled search_title, the unique and check constraints', async () => {
    const seed = `insert into users (email) values ('ana@example.com');
      insert into tickets (title, customer_email, author_id) values ('Printer On Fire', 'c@example.com', 1);`;
    expect(await applyOffline(db, join(fixtures, 'drizzle'), seed)).toHaveLength(4);
    expect(await db.sql`select search_title, contact_email, priority from tickets`).toEqual([
      { search_title: 'printer on fire', contact_email: 'c@example.com', priority: 0 },
    ]);
    expect(await tables(db)).toEqual(['tickets', 'users']);
    const tickets = await catalogSnapshot(db.sql, 'tickets');
    expect(Object.keys(tickets.columns)).toEqual(expect.arrayContaining(['contact_email', 'priority', 'search_title', 'reference']));
    expect(Object.keys(tickets.columns)).not.toContain('customer_email');
    expect(tickets.constraints).toMatchObject({ tickets_reference_unique: { type: 'u' }, priority_range: { type: 'c' } });
  });

  it('node-pg-migrate: only the Up parts run (the tables exist), estimate numeric, description renamed, legacy_ref dropped', async () => {
    const seed = `insert into users (email) values ('ana@example.com');
      insert into tickets (title, description, requester_id) values ('Printer on fire', 'smoke', 1);`;
    expect(await applyOffline(db, join(fixtures, 'node-pg-migrate', 'migrations'), seed)).toHaveLength(4);
    expect(await db.sql`select body, category from tickets`).toEqual([{ body: 'smoke', category: 'general' }]);
    expect(await tables(db)).toEqual(['tickets', 'users']);
    const tickets = await catalogSnapshot(db.sql, 'tickets');
    expect(tickets.columns.estimate).toMatchObject({ type: 'numeric(10,2)' });
    expect(tickets.columns.category).toMatchObject({ notNull: true, default: `'general'::text` });
    expect(Object.keys(tickets.columns)).toContain('body');
    expect(Object.keys(tickets.columns)).not.toContain('description');
    expect(Object.keys(tickets.columns)).not.toContain('legacy_ref');
  });

  it('flyway: V1 … V10 in version order (in name order V10 would drop ticket_archive before V1 creates it), R__/U left out', async () => {
    const seed = `insert into users (email) values ('ana@example.com');
      insert into tickets (title, requester_id) values ('Printer on fire', 1);`;
    expect(await applyOffline(db, join(fixtures, 'flyway', 'sql'), seed)).toEqual([
      'V1__create_tickets_schema.sql',
      'V1_1__ticket_channel.sql',
      'V2__channel_required.sql',
      'V3__assignee_and_constraints.sql',
      'V10__ratings_replace_archive.sql',
    ]);
    expect(await tables(db)).toEqual(['customer_ratings', 'tickets', 'users']);
    const tickets = await catalogSnapshot(db.sql, 'tickets');
    expect(await db.sql`select channel from tickets`).toEqual([{ channel: 'email' }]);
    expect(tickets.columns.channel).toMatchObject({ notNull: true, default: `'email'::text` });
    expect(tickets.columns.title).toMatchObject({ type: 'character varying(500)' });
    expect(tickets.constraints).toMatchObject({ tickets_assignee_fk: { type: 'f' }, tickets_title_length: { type: 'c' } });
    const [view] = await db.sql`select 1 from pg_class where relname = 'open_tickets'`;
    expect(view).toBeUndefined();
  });

  it('refused: the unsafe set runs offline too (it is refused for being unsafe online, not for being wrong)', async () => {
    expect(await applyOffline(db, join(fixtures, 'refused'))).toHaveLength(4);
    const [clustered] = await db.sql<
      { clustered: boolean }[]
    >`select indisclustered as clustered from pg_index where indexrelid = 'tickets_status_idx'::regclass`;
    expect(clustered?.clustered).toBe(true);
  });
});
