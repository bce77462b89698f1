import { beforeAll, describe, expect, it } from 'vitest';
import {
  completeMigration,
  parseSpec,
  planMigration,
  rollbackMigration,
  startMigration,
  type OnlineEvent,
  type PreflightError,
} from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { preflightRefusal } from '../support/preflight-refusal.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

const rows = 20_000;
const options = { lockTimeoutMs: 1_000 };

/** Every view, table and index of the public schema: what a refused drop must leave alone. */
async function relations(db: TestDatabase): Promise<string[]> {
  const rows = await db.sql<{ name: string }[]>`
    select relkind::text || ' ' || relname as name from pg_class where relnamespace = 'public'::regnamespace order by 1`;
  return rows.map((r) => r.name);
}

const refusal = (db: TestDatabase, operation: Record<string, unknown>): Promise<PreflightError> =>
  preflightRefusal(db.url, operation, options);

describe('drop-column', () => {
  const db = useTestDatabase('drop_column');
  beforeAll(async () => {
    await createTickets(db.sql, rows);
    // The writers never touch customer_email: the application stopped using it before contract.
    await db.sql`alter table tickets add column customer_email text`;
    await db.sql`update tickets set customer_email = 'customer' || id || '@example.com'`;
    await db.sql`create index tickets_customer_email_lower_idx on tickets (lower(customer_email))`;
    await db.sql`alter table tickets add constraint tickets_customer_email_key unique (customer_email)`;
    await db.sql`create view ticket_emails as select id, customer_email from tickets`;
    await db.sql`create table followups (id int primary key, email text constraint followups_email_fkey references tickets (customer_email))`;
    await db.sql`insert into followups values (1, 'customer1@example.com')`;
  });

  it('refuses while a view, a unique constraint and a foreign key depend on the column, naming each, changing nothing', async () => {
    const before = {
      tickets: await catalogSnapshot(db.sql),
      followups: await catalogSnapshot(db.sql, 'followups'),
      relations: await relations(db),
    };
    const error = await refusal(db, { op: 'drop-column', table: 'tickets', column: 'customer_email' });
    expect(error.code).toBe('HAS_DEPENDANTS');
    expect(error.message).toContain('column customer_email of public.tickets cannot be dropped while other objects depend on it');
    for (const dependant of [
      'view ticket_emails',
      'unique constraint tickets_customer_email_key on table tickets',
      'foreign key followups_email_fkey on table followups',
    ]) {
      expect(error.message).toContain(`  ${dependant}\n`);
    }
    // The plain index goes with the column: it is not a reason to refuse.
    expect(error.message).not.toContain('tickets_customer_email_lower_idx');

    const cli = await runCli(['start', 'drop-column', '--table', 'tickets', '--column', 'customer_email'], db.url);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('view ticket_emails');
    expect(cli.stderr).toContain('unique constraint tickets_customer_email_key on table tickets');
    expect(cli.stderr).toContain('foreign key followups_email_fkey on table followups');
    expect(cli.stderr).toContain('--cascade');

    expect({
      tickets: await catalogSnapshot(db.sql),
      followups: await catalogSnapshot(db.sql, 'followups'),
      relations: await relations(db),
    }).toEqual(before);
  });

  it('refuses a column of the primary key, and a missing column (API and CLI), changing nothing', async () => {
    const before = { tickets: await catalogSnapshot(db.sql), relations: await relations(db) };
    const primary = await refusal(db, { op: 'drop-column', table: 'tickets', column: 'id' });
    expect(primary.message).toContain('primary key tickets_pkey on table tickets');
    const missing = await refusal(db, { op: 'drop-column', table: 'tickets', column: 'nope' });
    expect(missing.code).toBe('COLUMN_NOT_FOUND');
    expect(missing.message).toBe('pre-flight failed: column nope does not exist on public.tickets');

    const cli = await runCli(['start', 'drop-column', '--table', 'tickets', '--column', 'nope'], db.url);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('column nope does not exist on public.tickets');
    expect({ tickets: await catalogSnapshot(db.sql), relations: await relations(db) }).toEqual(before);
  });

  it('names every other kind of dependant: check over two columns, policy, trigger, statistics, generated column, function', async () => {
    await db.sql.unsafe(`
      create table quotes (id int primary key, amount numeric, discount numeric, note text, comment text,
                           net numeric generated always as (amount - discount) stored,
                           constraint quotes_discount_check check (discount <= amount),
                           constraint quotes_note_check check (length(note) < 500));
      create index quotes_note_idx on quotes (note);
      create policy quotes_visible on quotes using (discount >= 0);
      create function quotes_touch() returns trigger language plpgsql as 'begin return new; end';
      create trigger quotes_touch before update of comment on quotes for each row execute function quotes_touch();
      create statistics quotes_stats on amount, discount from quotes;
      create function quotes_net(q quotes) returns numeric language sql begin atomic select q.discount; end;`);
    const discount = await refusal(db, { op: 'drop-column', table: 'quotes', column: 'discount' });
    for (const dependant of [
      'check constraint quotes_discount_check on table quotes',
      'policy quotes_visible on table quotes',
      'statistics object quotes_stats',
      'column net of table quotes',
      'function quotes_net(quotes)',
    ]) {
      expect(discount.message).toContain(`  ${dependant}\n`);
    }
    const comment = await refusal(db, { op: 'drop-column', table: 'quotes', column: 'comment' });
    expect(comment.message).toContain('  trigger quotes_touch on table quotes\n');
    // A CHECK on the column alone and a plain index on it go with it: no refusal, named in the plan.
    const plan = await planMigration({
      databaseUrl: db.url,
      spec: parseSpec({ operations: [{ op: 'drop-column', table: 'quotes', column: 'note' }] }, 'test'),
    });
    expect(plan.contract.map((s) => s.description)).toEqual([
      'drop column note of public.quotes (also drops check constraint quotes_note_check on table quotes, index quotes_note_idx)',
    ]);
  });

  it('partitions: refuses a column a partition inherits, and plans the parent’s drop with the partitions’ copies folded in', async () => {
    await db.sql.unsafe(`
      create table events (id int, kind text, payload text) partition by list (kind);
      create table events_mail partition of events for values in ('mail');
      create index events_payload_idx on events (payload);
      create view mail_payloads as select payload from events_mail;`);
    const inherited = await refusal(db, { op: 'drop-column', table: 'events_mail', column: 'payload' });
    expect(inherited.code).toBe('INHERITED_COLUMN');
    // The view is on the partition, whose copy of the column goes with the parent's.
    const parent = await refusal(db, { op: 'drop-column', table: 'events', column: 'payload' });
    expect(parent.message).toContain('  view mail_payloads\n');
    await db.sql`drop view mail_payloads`;
    const plan = await planMigration({
      databaseUrl: db.url,
      spec: parseSpec({ operations: [{ op: 'drop-column', table: 'events', column: 'payload' }] }, 'test'),
    });
    expect(plan.contract.map((s) => s.description)).toEqual(['drop column payload of public.events (also drops index events_payload_idx)']);
  });

  it('with cascade: start changes nothing, rollback changes nothing, complete drops the column, view and foreign key, under writers', async () => {
    const spec = parseSpec({ operations: [{ op: 'drop-column', table: 'tickets', column: 'customer_email', cascade: true }] }, 'test');
    expect(spec.name).toBe('drop-column-tickets-customer_email');
    const titles = async (): Promise<string | undefined> =>
      (
        await db.sql<
          { digest: string }[]
        >`select md5(string_agg(id || ':' || title, ',' order by id)) as digest from tickets where id <= ${rows}`
      )[0]?.digest;
    const beforeTitles = await titles();
    const before = {
      tickets: await catalogSnapshot(db.sql),
      followups: await catalogSnapshot(db.sql, 'followups'),
      relations: await relations(db),
    };
    const events: OnlineEvent[] = [];
    const writers = startWriters(db.url, { writers: 3 });

    expect(await startMigration({ databaseUrl: db.url, spec, options, onEvent: (e) => events.push(e) })).toMatchObject({
      status: 'awaiting_contract',
    });
    expect(events).toContainEqual({
      type: 'warning',
      message:
        'dropping column customer_email of public.tickets with cascade also drops foreign key followups_email_fkey on table followups, ' +
        'unique constraint tickets_customer_email_key on table tickets, view ticket_emails',
    });
    expect({
      tickets: await catalogSnapshot(db.sql),
      followups: await catalogSnapshot(db.sql, 'followups'),
      relations: await relations(db),
    }).toEqual(before);
    expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    expect({
      tickets: await catalogSnapshot(db.sql),
      followups: await catalogSnapshot(db.sql, 'followups'),
      relations: await relations(db),
    }).toEqual(before);

    await startMigration({ databaseUrl: db.url, spec, options });
    expect(await completeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed' });
    await writers.waitForOperations(20);
    const traffic = await writers.stop();
    console.log(`drop-column: ${traffic.operations} writes, worst ${traffic.maxLatencyMs.toFixed(0)} ms`);
    expect(traffic.errors).toEqual([]);

    const after = await catalogSnapshot(db.sql);
    expect(Object.keys(after.columns)).toEqual(Object.keys(before.tickets.columns).filter((c) => c !== 'customer_email'));
    expect(Object.keys(after.constraints)).toEqual(['tickets_pkey']);
    expect(Object.keys((await catalogSnapshot(db.sql, 'followups')).constraints)).toEqual(['followups_pkey']);
    expect(await relations(db)).toEqual(before.relations.filter((r) => !/ticket_emails|tickets_customer_email/.test(r)));
    expect(await db.sql`select * from followups`).toEqual([{ id: 1, email: 'customer1@example.com' }]);
    expect(await titles()).toBe(beforeTitles);
  });
});
