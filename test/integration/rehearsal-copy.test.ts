// The rehearsal's copy: a rich schema (the tickets table and an enum, a domain, identity and generated
// columns, partial and expression indexes, a sub-partitioned table with default partitions, a trigger,
// views, foreign keys, a CHECK, an exclusion constraint) recreated from the catalog in an embedded
// server of the target's major (PostgreSQL 17 with a warning when there is none, as for the scratch 15),
// with or without a sample of the rows.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedMajors } from '../../src/embedded/embedded-server.js';
import { RehearsalVersionError } from '../../src/errors/index.js';
import { copySchema, type CopySchemaOptions, type SchemaCopyReport } from '../../src/rehearsal/schema-copy.js';
import { installedRehearsalMajors, majorOf, startRehearsalServer, type RehearsalServer } from '../../src/rehearsal/rehearsal-server.js';
import { databaseSnapshot } from '../support/catalog-snapshot.js';
import { useTestDatabase } from '../support/test-database.js';
import { catalogDefinitions, seedRichSchema, withoutStateSchema } from '../support/rehearsal-schema.js';

async function tableRows(sql: postgres.Sql, table: string): Promise<number> {
  const [row] = await sql.unsafe<{ n: string }[]>(`select count(*) as n from ${table}`);
  return Number(row?.n);
}

describe('a rehearsal copy of the target', () => {
  const db = useTestDatabase('rehearsal_copy');
  let server: RehearsalServer;
  let targetMajor: number;

  beforeAll(async () => {
    await seedRichSchema(db.sql);
    const [row] = await db.sql<{ v: string }[]>`select current_setting('server_version_num') as v`;
    targetMajor = majorOf(Number(row?.v));
    const sameMajor = installedRehearsalMajors().some((major) => major === targetMajor);
    server = await startRehearsalServer(db.sql, { allowOtherMajor: !sameMajor });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs on the target major when one is installed, otherwise refuses, or runs on 17 with a warning when allowed', async () => {
    if ((embeddedMajors as readonly number[]).includes(targetMajor)) {
      expect(server.major).toBe(targetMajor);
      expect(server.warnings.filter((w) => w.includes('rehearsing on'))).toEqual([]);
    } else {
      await expect(startRehearsalServer(db.sql)).rejects.toThrow(RehearsalVersionError);
      expect(server.major).toBe(17);
      expect(server.warnings).toContain(
        `the target runs PostgreSQL ${targetMajor}, which has no embedded server here: rehearsing on PostgreSQL 17, whose locks and rewrites may differ from ${targetMajor}'s`,
      );
    }
    expect(server.url).toContain(`/${server.database}`);
    const copy = postgres(server.url, { max: 1, onnotice: () => undefined });
    try {
      const database = (sql: postgres.Sql) => sql<{ name: string; encoding: string; collate: string }[]>`
        select datname as name, pg_encoding_to_char(encoding) as encoding, datcollate as collate from pg_database where datname = current_database()`;
      expect(await database(copy)).toEqual(await database(db.sql));
    } finally {
      await copy.end();
    }
  });

  async function copyInto(
    database: string,
    sample?: number,
    options: CopySchemaOptions = {},
  ): Promise<{ copy: postgres.Sql; report: SchemaCopyReport }> {
    const admin = postgres(server.url, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`create database "${database}"`);
    await admin.end();
    const url = new URL(server.url);
    url.pathname = `/${database}`;
    const copy = postgres(url.toString(), { max: 2, onnotice: () => undefined, prepare: false });
    const report = await copySchema(db.sql, copy, sample === undefined ? options : { ...options, sample });
    return { copy, report };
  }

  it('recreates every object of the user schemas, empty, and nothing of the state schema', async () => {
    const { copy, report } = await copyInto('schema_only');
    try {
      expect(report.skipped).toEqual([]);
      expect(report.schemas).toEqual(['public', 'support']);
      expect(await databaseSnapshot(copy)).toEqual(withoutStateSchema(await databaseSnapshot(db.sql)));
      const viewText = server.major === targetMajor;
      expect(await catalogDefinitions(copy, viewText)).toEqual(await catalogDefinitions(db.sql, viewText));
      expect(report.copied).toMatchObject({
        table: 6,
        partition: 5,
        view: 2,
        'materialized view': 1,
        trigger: 2,
        'foreign key': 3,
        extension: 1,
      });
      expect(await tableRows(copy, 'tickets')).toBe(0);
      expect(report.sampledRows).toEqual([]);
    } finally {
      await copy.end();
    }
  });

  it('with a sample, copies about that share of every table, and keeps foreign keys the sample breaks NOT VALID', async () => {
    const { copy, report } = await copyInto('sampled', 0.2);
    try {
      expect(report.skipped).toEqual([]);
      const sampled = Object.fromEntries(report.sampledRows.map((s) => [s.table, s.rows]));
      // Bernoulli sampling keeps each row with probability 0.2: these bounds are more than six standard deviations wide.
      expect(sampled['public.tickets']).toBeGreaterThan(2000 * 0.2 * 0.5);
      expect(sampled['public.tickets']).toBeLessThan(2000 * 0.2 * 1.5);
      expect(sampled['public.ticket_comments']).toBeGreaterThan(4000 * 0.2 * 0.6);
      expect(sampled['public.ticket_comments']).toBeLessThan(4000 * 0.2 * 1.4);
      expect(sampled['public.events']).toBeUndefined();
      const eventLeaves = ['events_2026', 'events_2025_open', 'events_2025_other', 'events_default'].map(
        (t) => sampled[`public.${t}`] ?? 0,
      );
      expect(eventLeaves.reduce((a, b) => a + b, 0)).toBe(await tableRows(copy, 'events'));
      expect(await tableRows(copy, 'tickets')).toBe(sampled['public.tickets']);
      // Generated columns are computed by the copy, identity values are the target's.
      const [mismatch] = await copy<{ n: string }[]>`select count(*) as n from tickets where title_lower <> lower(title)`;
      expect(mismatch?.n).toBe('0');
      expect(report.unvalidatedForeignKeys).toContain('ticket_comments_ticket_id_fkey on public.ticket_comments');
      const foreignKeys = await copy<{ name: string; validated: boolean }[]>`
        select conname as name, convalidated as validated from pg_constraint where contype = 'f' order by 1`;
      expect(foreignKeys.map((f) => f.name)).toEqual([
        'shifts_agent_id_fkey',
        'ticket_comments_agent_id_fkey',
        'ticket_comments_ticket_id_fkey',
      ]);
      expect(foreignKeys.find((f) => f.name === 'ticket_comments_ticket_id_fkey')?.validated).toBe(false);
      // The views and the rest of the catalog are the target's, but for the foreign keys left NOT VALID.
      const exceptForeignKeys = (items: readonly string[]): string[] => items.filter((i) => !/fkey/.test(i));
      expect(exceptForeignKeys(await databaseSnapshot(copy))).toEqual(
        exceptForeignKeys(withoutStateSchema(await databaseSnapshot(db.sql))),
      );
      const [sequence] = await copy<{ last: string }[]>`select last_value::text as last from support.invoice_numbers`;
      expect(sequence?.last).toBe('1002');
    } finally {
      await copy.end();
    }
  });
  it('copies only the schemas asked for, and names what needs the others', async () => {
    const { copy, report } = await copyInto('support_only', undefined, { schemas: ['support'] });
    try {
      expect(report.schemas).toEqual(['support']);
      expect(report.copied).toMatchObject({ schema: 1, table: 1, partition: 0, view: 0 });
      const relations = await copy<{ name: string }[]>`
        select c.oid::regclass::text as name from pg_class c where c.relnamespace = 'support'::regnamespace and c.relkind in ('r', 'S')
         order by 1`;
      expect(relations.map((r) => r.name)).toEqual(['support.agents', 'support.agents_id_seq', 'support.invoice_numbers']);
      // Extensions come whatever the schemas (agents' handle is a citext), functions do not: its email check calls public.is_email.
      expect(report.skipped.map((s) => `${s.kind} ${s.name}`)).toEqual(['constraint agents_email_check on support.agents']);
      expect(report.skipped[0]?.reason).toMatch(/function public\.is_email\(text\) does not exist/);
    } finally {
      await copy.end();
    }
  });

  it('reads the target under ACCESS SHARE only: it copies every row while another transaction holds EXCLUSIVE locks on every table', async () => {
    const holder = await db.sql.reserve();
    try {
      await holder`begin`;
      const relations = await holder<{ name: string }[]>`
        select c.oid::regclass::text as name from pg_class c
         where c.relnamespace in ('public'::regnamespace, 'support'::regnamespace) and c.relkind in ('r', 'p') order by 1`;
      await holder.unsafe(`lock table ${relations.map((r) => r.name).join(', ')} in exclusive mode`);
      const { copy, report } = await copyInto('under_exclusive', 1);
      try {
        expect(report.skipped).toEqual([]);
        expect(report.unvalidatedForeignKeys).toEqual([]);
        expect(await tableRows(copy, 'ticket_comments')).toBe(4000);
        expect(await tableRows(copy, 'events')).toBe(6000);
        const [held] = await holder<{ n: string }[]>`
          select count(*) as n from pg_locks where pid = pg_backend_pid() and mode = 'ExclusiveLock' and locktype = 'relation'`;
        expect(Number(held?.n)).toBeGreaterThanOrEqual(relations.length);
      } finally {
        await copy.end();
      }
    } finally {
      await holder`rollback`;
      holder.release();
    }
  });
});
