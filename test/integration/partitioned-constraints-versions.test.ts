// What the server itself logs (DEBUG1) while add-check and set-not-null run on a partitioned table, on
// PostgreSQL 14, 17 and 18: each partition is read only by its own VALIDATE step, the parent's VALIDATE
// reads nothing, and SET NOT NULL proves every partition from its validated check instead of a scan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeMigration, parseSpec, startMigration } from '../../src/index.js';
import { notNullProofs, tableReads, VersionServer } from '../support/version-server.js';

const setup = `
  create table events (id bigint not null, at date not null, amount int, note text, primary key (id, at)) partition by range (at);
  create table events_2025_01 partition of events for values from ('2025-01-01') to ('2025-02-01');
  create table events_2025_02 partition of events for values from ('2025-02-01') to ('2025-03-01');
  create table events_default partition of events default;
  insert into events select g, date '2024-12-15' + (g % 70), g % 50, 'seeded' from generate_series(1, 2000) g;`;
const partitions = ['events_2025_01', 'events_2025_02', 'events_default'];
const options = { lockTimeoutMs: 1_000, lockRetries: 100 };

describe.each([14, 17, 18] as const)('PostgreSQL %i', (major) => {
  const published = major !== 14 || `${process.platform}-${process.arch}` === 'linux-x64';
  const server = new VersionServer(major);
  beforeAll(() => (published ? server.start() : undefined), 180_000);
  afterAll(() => (published ? server.stop() : undefined));

  it.skipIf(!published)(
    'add-check reads each partition once, in its own VALIDATE step, and the parent not at all',
    { timeout: 120_000 },
    async () => {
      const db = await server.database('partitioned_check', setup, { debugLog: true });
      const spec = parseSpec(
        { name: 'amount-ok', operations: [{ op: 'add-check', table: 'events', check: 'amount >= 0', name: 'amount_ok' }] },
        'x',
      );
      await startMigration({ databaseUrl: db.url, spec, options });
      await completeMigration({ databaseUrl: db.url, migration: spec.name });
      expect(tableReads(server.onlineLog(db)).filter((r) => !r.table.startsWith('online_'))).toEqual(
        partitions.map((table) => ({
          table,
          rewrite: false,
          statement: `do $online$ begin if to_regclass('"public"."${table}"') is not null then alter table "public"."${table}" validate constraint "amount_ok"; end if; end $online$`,
        })),
      );
    },
  );

  it.skipIf(!published)(
    'set-not-null proves every partition from its validated check: no scan under ACCESS EXCLUSIVE',
    { timeout: 120_000 },
    async () => {
      const db = await server.database('partitioned_not_null', setup, { debugLog: true });
      const spec = parseSpec({ name: 'note-not-null', operations: [{ op: 'set-not-null', table: 'events', column: 'note' }] }, 'x');
      await startMigration({ databaseUrl: db.url, spec, options });
      await completeMigration({ databaseUrl: db.url, migration: spec.name });
      const log = server.onlineLog(db);
      const reads = tableReads(log).filter((r) => !r.table.startsWith('online_'));
      expect(reads.map((r) => r.table)).toEqual(partitions);
      for (const read of reads)
        expect(read.statement).toMatch(
          new RegExp(
            `^do \\$online\\$ begin if to_regclass\\('"public"\\."${read.table}"'\\) is not null then alter table "public"\\."${read.table}" validate constraint "online_snn_`,
          ),
        );
      const proven = notNullProofs(log).map((l) => /column "([^"]+)"/.exec(l)?.[1]);
      expect(proven.sort()).toEqual(['events.note', ...partitions.map((p) => `${p}.note`)].sort());
    },
  );
});
