// Live hazards as data and text: the severity each reading gets, the thresholds, and one-line messages
// that name the session (or slot, table, directory) and what to do.
import { describe, expect, it } from 'vitest';
import { hazardLine, hazardReportLines } from '../../src/cli/hazards-printer.js';
import { createProgressRenderer } from '../../src/cli/progress-renderer.js';
import { diskHeadroomHazard } from '../../src/hazards/disk-headroom.js';
import { ageText, queryText, type DiskHeadroomDetails, type OldTransactionDetails } from '../../src/hazards/hazard.js';
import { planHazardScope } from '../../src/hazards/hazard-scope.js';
import { lockText, oldTransactionHazard, preparedTransactionHazard } from '../../src/hazards/old-transactions.js';
import { replicationSlotHazard } from '../../src/hazards/replication-slots.js';
import { vacuumHazard } from '../../src/hazards/running-vacuum.js';
import { tableBloatHazard } from '../../src/hazards/table-bloat.js';
import type { OperationPlan } from '../../src/plan/plan.js';
import { parseSpec } from '../../src/index.js';

const session: OldTransactionDetails = {
  pid: 4242,
  application: 'billing',
  user: 'app',
  state: 'idle in transaction',
  ageSeconds: 312,
  holdsSnapshot: false,
  locksOnTables: [],
  query: 'update  accounts\n   set balance = balance - 1 where id = 7',
};

describe('old transactions', () => {
  it('is blocking when it holds a lock on the tables, naming pid, application, state, age, the lock and how to end it', () => {
    const hazard = oldTransactionHazard({ ...session, locksOnTables: ['public.accounts ROW EXCLUSIVE'] }, { buildsIndex: false });
    expect(hazard.severity).toBe('blocking');
    expect(hazard.message).toBe(
      'pid 4242 (billing, idle in transaction) has had a transaction open for 5m 12s holding public.accounts ROW EXCLUSIVE: ' +
        'lock steps queue behind it (and fail when their retries run out), index builds wait for it; ' +
        'end it (commit or roll back), or: select pg_terminate_backend(4242); query: update accounts set balance = balance - 1 where id = 7',
    );
  });

  it('is blocking for a snapshot only when a concurrent index build lies ahead; otherwise it warns of vacuum held back', () => {
    const snapshot = { ...session, holdsSnapshot: true, state: 'active', query: null };
    const ahead = oldTransactionHazard(snapshot, { buildsIndex: true });
    expect(ahead.severity).toBe('blocking');
    expect(ahead.message).toBe(
      'pid 4242 (billing, active) has had a transaction open for 5m 12s with a snapshot: CREATE INDEX CONCURRENTLY waits until it ends; let it finish, or cancel it: select pg_cancel_backend(4242)',
    );
    const none = oldTransactionHazard(snapshot, { buildsIndex: false });
    expect(none.severity).toBe('warning');
    expect(none.message).toContain('vacuum cannot remove the dead rows the migration leaves');
    // An xid without a snapshot: CREATE INDEX CONCURRENTLY does not wait for it (checked on PostgreSQL 15).
    expect(oldTransactionHazard({ ...session, holdsSnapshot: false }, { buildsIndex: true }).severity).toBe('warning');
  });

  it('says when a session set no application_name', () => {
    expect(oldTransactionHazard({ ...session, application: '' }, { buildsIndex: false }).message).toMatch(
      /^pid 4242 \(no application_name, idle in transaction\)/,
    );
  });

  it('names a prepared transaction by gid with COMMIT/ROLLBACK PREPARED', () => {
    const held = preparedTransactionHazard({
      gid: 'tx-1',
      owner: 'app',
      ageSeconds: 7_500,
      locksOnTables: ['public.accounts ROW EXCLUSIVE'],
    });
    expect(held.severity).toBe('blocking');
    expect(held.message).toContain("prepared transaction 'tx-1' (owner app) has waited 2h 5m");
    expect(held.message).toContain("commit prepared 'tx-1' or rollback prepared 'tx-1'");
    expect(preparedTransactionHazard({ gid: 'tx-2', owner: 'app', ageSeconds: 90, locksOnTables: [] }).severity).toBe('warning');
  });

  it('spells pg_locks modes as LOCK TABLE does', () => {
    expect(lockText('public.t RowExclusiveLock')).toBe('public.t ROW EXCLUSIVE');
    expect(lockText('public.t ShareUpdateExclusiveLock')).toBe('public.t SHARE UPDATE EXCLUSIVE');
    expect(lockText('"My Schema"."T" AccessShareLock')).toBe('"My Schema"."T" ACCESS SHARE');
  });
});

describe('replication slots', () => {
  const slot = {
    slot: 'standby_1',
    slotType: 'physical',
    active: true,
    retainedBytes: 10 * 1024 ** 2,
    retained: '10 MB',
    walStatus: 'reserved',
  };

  it('passes over an active slot that keeps up, and reports an inactive one whatever it retains', () => {
    expect(replicationSlotHazard(slot, { maxRetainedWalBytes: null })).toBeUndefined();
    const inactive = replicationSlotHazard({ ...slot, active: false }, { maxRetainedWalBytes: null });
    expect(inactive?.severity).toBe('warning');
    expect(inactive?.message).toBe(
      "physical replication slot standby_1 (inactive, wal_status reserved) retains 10 MB of WAL: it keeps all WAL the migration writes on disk; drop it if nothing will consume it again (select pg_drop_replication_slot('standby_1')), or reconnect its consumer",
    );
  });

  it('reports an active slot from 1 GB on, and is blocking past --max-retained-wal (the backfill would hold)', () => {
    expect(replicationSlotHazard({ ...slot, retainedBytes: 1024 ** 3, retained: '1024 MB' }, { maxRetainedWalBytes: null })?.severity).toBe(
      'warning',
    );
    const over = replicationSlotHazard(slot, { maxRetainedWalBytes: 5 * 1024 ** 2 });
    expect(over?.severity).toBe('blocking');
    expect(over?.message).toContain('more than --max-retained-wal, so the backfill holds until it shrinks; see why its consumer lags');
  });
});

describe('running vacuum', () => {
  const vacuum = {
    pid: 77,
    table: 'public.accounts',
    autovacuum: true,
    wraparound: false,
    ageSeconds: 95,
    phase: 'scanning heap',
    percentScanned: 41.5,
  };

  it('warns of an ordinary autovacuum, which gives way to locks after deadlock_timeout', () => {
    const hazard = vacuumHazard(vacuum);
    expect(hazard.severity).toBe('warning');
    expect(hazard.message).toBe(
      'autovacuum (pid 77) has run on public.accounts for 1m 35s (scanning heap, 41.5% of the heap scanned): lock steps on it may need retries until PostgreSQL cancels it for them (a --lock-timeout above deadlock_timeout makes sure it does)',
    );
  });

  it('is blocking for an anti-wraparound autovacuum (do not stop it) and for a VACUUM someone ran (cancel it)', () => {
    const wraparound = vacuumHazard({ ...vacuum, wraparound: true });
    expect(wraparound.severity).toBe('blocking');
    expect(wraparound.message).toMatch(/^an anti-wraparound autovacuum .*does not give way to locks and must not be stopped/);
    const manual = vacuumHazard({ ...vacuum, autovacuum: false, percentScanned: null });
    expect(manual.severity).toBe('blocking');
    expect(manual.message).toMatch(
      /^a VACUUM \(pid 77\) has run on public.accounts for 1m 35s \(scanning heap\): .*pg_cancel_backend\(77\)$/,
    );
  });
});

describe('table bloat', () => {
  const bloat = { table: 'public.accounts', liveRows: 60_000, deadRows: 40_000, deadFraction: 0.4, lastVacuum: null };

  it('warns from 10,000 dead rows that are 20% of the table, and says to vacuum first', () => {
    expect(tableBloatHazard(bloat)?.message).toBe(
      'public.accounts has 40,000 dead rows, 40% of its rows (no vacuum recorded): the backfill reads past them and leaves a dead version of each row it updates; run VACUUM public.accounts first',
    );
    expect(tableBloatHazard({ ...bloat, deadRows: 9_999 })).toBeUndefined();
    expect(tableBloatHazard({ ...bloat, deadFraction: 0.19 })).toBeUndefined();
  });
});

describe('disk headroom', () => {
  const need: DiskHeadroomDetails = {
    neededBytes: 100,
    needed: '100 bytes',
    freeBytes: 250,
    free: '250 bytes',
    directory: '/data/pg_wal',
    verified: true,
    unknownBecause: null,
  };

  it('is quiet from twice the need, warns below it, and is blocking below the need itself', () => {
    expect(diskHeadroomHazard(need)).toBeUndefined();
    expect(diskHeadroomHazard({ ...need, freeBytes: 200, free: '200 bytes' })).toBeUndefined();
    const tight = diskHeadroomHazard({ ...need, freeBytes: 150, free: '150 bytes' });
    expect(tight?.severity).toBe('warning');
    expect(tight?.message).toBe(
      '150 bytes free where the server writes (/data/pg_wal), less than 2× what it will write about 100 bytes (WAL and new indexes); free space first, or watch it',
    );
    expect(diskHeadroomHazard({ ...need, freeBytes: 150, free: '150 bytes', verified: false })?.message).toMatch(
      /^150 bytes free where the server writes \(\/data\/pg_wal, on this host, assumed to be the server’s: its postmaster.pid could not be read\)/,
    );
    const short = diskHeadroomHazard({ ...need, freeBytes: 50, free: '50 bytes' });
    expect(short?.severity).toBe('blocking');
    expect(short?.message).toContain('the server stops when its disk fills');
  });

  it('says the headroom is unknown, why, and what is needed when the data directory cannot be seen', () => {
    const unknown = diskHeadroomHazard({
      ...need,
      freeBytes: null,
      free: null,
      directory: null,
      verified: null,
      unknownBecause: 'not on this host',
    });
    expect(unknown?.severity).toBe('warning');
    expect(unknown?.message).toBe(
      'disk headroom unknown (not on this host): the migration will write about 100 bytes (WAL and new indexes); make sure the server has 2× that free',
    );
  });
});

describe('texts and scope', () => {
  it('gives ages in their two largest units and folds queries to one short line', () => {
    expect([ageText(0.25), ageText(9.96), ageText(59), ageText(3_599), ageText(90_061)]).toEqual([
      '0.2s',
      '9.9s',
      '59s',
      '59m 59s',
      '1d 1h',
    ]);
    expect(queryText('select\n  1,\t2', 80)).toBe('select 1, 2');
    expect(queryText('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('scopes a plan to the tables its spec, backfill tasks and index builds name, and knows whether it builds an index', () => {
    const table = { schema: 'public', name: 'Tickets' };
    const plan: OperationPlan = {
      expand: [
        {
          description: 'build index i concurrently',
          statements: [],
          kind: 'concurrent',
          buildsIndex: { schema: 'public', name: 'i', table, definition: '' },
        },
      ],
      backfill: [{ id: 'x', table: { schema: 'app', name: 'accounts' }, key: [], set: '', needsWork: '' }],
      contract: [],
      rollback: [],
    };
    expect(planHazardScope(plan)).toEqual({ tables: ['app.accounts', 'public."Tickets"'], buildsIndex: true });
    expect(planHazardScope({ ...plan, expand: [] }).buildsIndex).toBe(false);
    // A plan with no backfill and no index build (add-check) still has its spec's table.
    const spec = parseSpec({ operations: [{ op: 'add-check', table: 'accounts', check: 'balance >= 0' }] }, 'test');
    const none: OperationPlan = { expand: [], backfill: [], contract: [], rollback: [] };
    expect(planHazardScope(none, spec.operations)).toEqual({ tables: ['public.accounts'], buildsIndex: false });
  });

  it('prints a report with blocking ones marked, and a run prints each hazard as a warning line', () => {
    const blocking = oldTransactionHazard({ ...session, locksOnTables: ['public.t ROW EXCLUSIVE'] }, { buildsIndex: false });
    const warning = vacuumHazard({
      pid: 1,
      table: 'public.t',
      autovacuum: true,
      wraparound: false,
      ageSeconds: 61,
      phase: 'scanning heap',
      percentScanned: null,
    });
    expect(hazardLine(blocking)).toMatch(/^warning \(the migration will wait\): pid 4242 /);
    expect(hazardReportLines({ hazards: [blocking, warning], unread: [{ read: 'disk', reason: 'permission denied' }] })).toEqual([
      'Live hazards:',
      `  ${hazardLine(blocking)}`,
      `  warning: ${warning.message}`,
      '  not read: disk headroom (permission denied)',
    ]);
    expect(hazardReportLines({ hazards: [], unread: [] })).toEqual(['Live hazards: none']);
    const lines: string[] = [];
    const renderer = createProgressRenderer('plain', (l) => lines.push(l));
    renderer.listener({ type: 'hazard', migration: 'm', step: 'build index i concurrently', hazard: warning });
    expect(lines).toEqual([`  warning: ${warning.message}`]);
  });
});
