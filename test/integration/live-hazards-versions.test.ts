// Every hazard read on PostgreSQL 14, 17 and 18 (the catalog views differ between versions): an old
// snapshot, a prepared transaction holding a lock on the table, an inactive replication slot, a VACUUM
// running on the table, dead rows, and the disk headroom, all in one report.
import { existsSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { embeddedBinariesInstalled, startEmbeddedServer, type EmbeddedServer } from '../../src/embedded/embedded-server.js';
import type { Hazard } from '../../src/hazards/hazard.js';
import { readHazards } from '../../src/hazards/read-hazards.js';
import { eventually } from '../support/watched-cli.js';

const majors = ([14, 17, 18] as const).filter((major) => embeddedBinariesInstalled(major));

describe.each(majors)('live hazards on PostgreSQL %i', (major) => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await startEmbeddedServer({ version: major, settings: { max_prepared_transactions: '2' } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('reads each kind of hazard in one report', async () => {
    const admin = postgres(server.url, { max: 4, onnotice: () => undefined });
    const app = postgres(server.url, { max: 3, onnotice: () => undefined, connection: { application_name: 'ledger-app' } });
    const sql = await connect(server.url, { max: 2 });
    // The session that deletes rows reports them to the statistics when it next ends a transaction
    // (PostgreSQL 14 reports at most every 500 ms, and only then): the polls below run one on it.
    const setup = await admin.reserve();
    const snapshot = await app.reserve();
    const vacuum = await app.reserve();
    let vacuumRun: Promise<unknown> = Promise.resolve();
    try {
      await setup`create table hz (id int primary key, pad text) with (autovacuum_enabled = false)`;
      await setup`insert into hz select g, repeat('x', 200) from generate_series(1, 20000) g`;
      await setup`delete from hz where id > 5000`;
      await admin`select pg_create_physical_replication_slot('hz_slot', true)`;
      await admin.begin(async (tx) => {
        await tx`insert into hz values (-1, 'prepared')`;
        await tx`prepare transaction 'hz-prepared'`;
      });
      await snapshot`begin isolation level repeatable read`;
      await snapshot`select count(*) from pg_class`;
      const [vacuumPid] = await vacuum<{ pid: number }[]>`select pg_backend_pid() as pid`;
      // A VACUUM slowed to a crawl, so it is still running when read (cancelled below).
      await vacuum`set vacuum_cost_delay = '100ms'`;
      await vacuum`set vacuum_cost_limit = 1`;
      vacuumRun = vacuum`vacuum hz`.catch((error: unknown) => error);

      const scope = { tables: ['public.hz'], buildsIndex: true, neededBytes: 2 ** 52 };
      const kinds = (hazards: readonly Hazard[]): string[] => [...new Set(hazards.map((h) => h.kind))].sort();
      const report = await eventually(
        async () => {
          await setup`select 1`;
          return readHazards(sql, scope, { ageMs: 1, maxRetainedWalBytes: null });
        },
        (r) => kinds(r.hazards).length === 6,
        30_000,
      );
      expect(report.unread).toEqual([]);
      expect(kinds(report.hazards)).toEqual([
        'disk-headroom',
        'old-transaction',
        'prepared-transaction',
        'replication-slot',
        'table-bloat',
        'vacuum',
      ]);
      const find = <K extends Hazard['kind']>(kind: K): Extract<Hazard, { kind: K }> => {
        const found = report.hazards.filter((h): h is Extract<Hazard, { kind: K }> => h.kind === kind);
        expect(found.length, kind).toBeGreaterThan(0);
        return found[0] as Extract<Hazard, { kind: K }>;
      };
      expect(find('prepared-transaction')).toMatchObject({
        severity: 'blocking',
        details: { gid: 'hz-prepared', locksOnTables: ['public.hz ROW EXCLUSIVE'] },
      });
      const old = report.hazards.find(
        (h) => h.kind === 'old-transaction' && h.details.application === 'ledger-app' && h.details.holdsSnapshot,
      );
      expect(old?.severity).toBe('blocking');
      expect(find('vacuum')).toMatchObject({
        severity: 'blocking',
        details: { pid: vacuumPid?.pid, table: 'public.hz', autovacuum: false, wraparound: false },
      });
      expect(find('replication-slot').details).toMatchObject({ slot: 'hz_slot', active: false, walStatus: 'reserved' });
      expect(find('table-bloat').details).toMatchObject({ table: 'public.hz', deadRows: 15_000 });
      const [dir] = await admin<{ dir: string }[]>`select current_setting('data_directory') as dir`;
      expect(find('disk-headroom').details.freeBytes === null).toBe(!existsSync(dir?.dir ?? '/nonexistent'));
      expect(report.hazards.findIndex((h) => h.severity === 'warning')).toBeGreaterThan(
        report.hazards.findLastIndex((h) => h.severity === 'blocking'),
      );
    } finally {
      await admin`select pg_cancel_backend(pid) from pg_stat_progress_vacuum`;
      await vacuumRun;
      vacuum.release();
      setup.release();
      await snapshot`rollback`;
      snapshot.release();
      await admin`rollback prepared 'hz-prepared'`.catch(() => undefined);
      await admin`select pg_drop_replication_slot('hz_slot')`.catch(() => undefined);
      await sql.end();
      await app.end();
      await admin.end();
    }
  });
});
