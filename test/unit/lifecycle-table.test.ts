// The lifecycle table, every row: for each command, every recorded status × phase × fact it reads, the
// action it takes or the refusal it gives, with the exact message and exit code the CLI prints. The
// rows are enumerated from the status and phase lists the types are made of, and the expectations are
// keyed by them, so a new status or phase fails here (and in tsc) until its row is written.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/lifecycle/decide.js';
import type { Decision } from '../../src/lifecycle/decision.js';
import { findDrift, type MigrateMode } from '../../src/lifecycle/migrate-step.js';
import { holdsItsTables, isFinished, liveStateOf, type LiveState } from '../../src/lifecycle/migration-status.js';
import { failureOutcome, phaseAfter, type PhaseAfter } from '../../src/lifecycle/phase-route.js';
import { MigrationStateError, OnlineError, PreflightError, StoppedError, type LeaseHolder } from '../../src/errors/index.js';
import type { OperationPlan } from '../../src/plan/plan.js';
import { migrationPhases, migrationStatuses, type MigrationPhase, type MigrationStatus } from '../../src/state/migration-records.js';

const m = 'm';
const holder: LeaseHolder = { host: 'db-1', pid: 42, startedAt: '2024-01-01T00:00:00.000Z', heartbeatAt: '2024-01-01T00:00:02.000Z' };
const step = { index: 1, description: 'swap in the new column' };
const modes: readonly MigrateMode[] = ['all', 'expand-only', 'contract'];

/** Every recorded (status, phase) pair. */
const everyRecord = migrationStatuses.flatMap((status) => migrationPhases.map((phase) => ({ name: m, status, phase })));

type Outcome = { readonly action: unknown } | { readonly refusal: { code: string; exitCode: number; message: string } };

/** A decision as plain data: the action, or the refusal's code, exit code and message. */
function outcome<A>(decision: Decision<A>): Outcome {
  if ('action' in decision) return { action: decision.action };
  const { code, exitCode, message } = decision.refusal;
  return { refusal: { code, exitCode, message } };
}

const invalidState = (message: string): Outcome => ({ refusal: { code: 'INVALID_STATE', exitCode: 2, message } });

/** The table must name every status (and phase): a new one is unhandled until it has its row. */
function expectEvery(keys: readonly string[], table: object): void {
  expect(Object.keys(table).sort()).toEqual([...keys].sort());
}

describe('start: a name is recorded again only after a rollback, a table only when no active migration holds it', () => {
  const existingRefusal: Record<MigrationStatus, string | null> = {
    running: 'migration "m" already exists (status running); run `online resume m`',
    stopped: 'migration "m" already exists (status stopped); run `online resume m`',
    failed: 'migration "m" already exists (status failed); run `online resume m`',
    awaiting_contract: 'migration "m" already exists (status awaiting_contract); run `online complete m`',
    completed: 'migration "m" already exists (status completed); nothing to do',
    rolled_back: null,
  };
  /** Whether another migration in this status keeps a new one off a shared table: plain, and stacking (`migrate --expand-only`). */
  const holdsTable: Record<MigrationStatus, { readonly plain: boolean; readonly stacking: boolean }> = {
    running: { plain: true, stacking: true },
    stopped: { plain: true, stacking: true },
    failed: { plain: true, stacking: true },
    awaiting_contract: { plain: true, stacking: false },
    completed: { plain: false, stacking: false },
    rolled_back: { plain: false, stacking: false },
  };
  const noSharing = { sharing: [], stackOnAwaitingContract: false };

  it('has a row for every status', () => {
    expectEvery(migrationStatuses, existingRefusal);
    expectEvery(migrationStatuses, holdsTable);
  });

  it('records a name never used', () => {
    expect(outcome(decide('start', undefined, { leaseHeld: false, leaseHolder: undefined, ...noSharing }))).toEqual({
      action: { kind: 'record' },
    });
  });

  it.each(everyRecord.flatMap((r) => [false, true].map((leaseHeld) => ({ ...r, leaseHeld }))))(
    'an existing migration $status in $phase, lease held $leaseHeld',
    ({ status, phase, leaseHeld }) => {
      const decision = outcome(decide('start', { name: m, status, phase }, { leaseHeld, leaseHolder: holder, ...noSharing }));
      const refusal = existingRefusal[status];
      if (refusal === null) expect(decision).toEqual({ action: { kind: 'record' } });
      else if (leaseHeld) {
        expect(decision).toEqual({
          refusal: {
            code: 'LEASE_HELD',
            exitCode: 2,
            message:
              'migration "m" is being run by another worker: pid 42 on db-1, started 2024-01-01T00:00:00.000Z, last heartbeat 2024-01-01T00:00:02.000Z; ' +
              'wait for it to finish (`online status m` shows its progress), or stop it from any shell with `online stop m --wait` ' +
              '(it stops after its current batch or step), then run `online resume m`',
          },
        });
      } else expect(decision).toEqual(invalidState(refusal));
    },
  );

  it('names no holder when the lease row is gone', () => {
    const decision = outcome(
      decide('start', { name: m, status: 'running', phase: 'backfill' }, { leaseHeld: true, leaseHolder: undefined, ...noSharing }),
    );
    expect(decision).toEqual({
      refusal: {
        code: 'LEASE_HELD',
        exitCode: 2,
        message:
          'migration "m" is being run by another worker; wait for it to finish (`online status m` shows its progress), ' +
          'or stop it from any shell with `online stop m --wait` (it stops after its current batch or step), then run `online resume m`',
      },
    });
  });

  it.each(migrationStatuses.flatMap((status) => [false, true].map((stackOnAwaitingContract) => ({ status, stackOnAwaitingContract }))))(
    'another migration $status on a shared table, stacking $stackOnAwaitingContract',
    ({ status, stackOnAwaitingContract }) => {
      const sharing = [{ name: 'other', status, table: 'public.tickets' }];
      const decision = outcome(decide('start', undefined, { leaseHeld: false, leaseHolder: undefined, sharing, stackOnAwaitingContract }));
      const busy = stackOnAwaitingContract ? holdsTable[status].stacking : holdsTable[status].plain;
      expect(holdsItsTables(status, stackOnAwaitingContract)).toBe(busy);
      expect(decision).toEqual(
        busy
          ? {
              refusal: {
                code: 'TABLE_BUSY',
                exitCode: 2,
                message:
                  `pre-flight failed: migration "other" (status ${status}) is still active on public.tickets; complete or roll it back first ` +
                  '(`online complete other` or `online rollback other`; `online status other` shows where it is)',
              },
            }
          : { action: { kind: 'record' } },
      );
    },
  );

  it('names the first active migration on a shared table, and asks about the name before the tables', () => {
    const sharing = [
      { name: 'done', status: 'completed' as const, table: 'public.a' },
      { name: 'first', status: 'failed' as const, table: 'public.b' },
      { name: 'second', status: 'running' as const, table: 'public.c' },
    ];
    const facts = { leaseHeld: false, leaseHolder: undefined, sharing, stackOnAwaitingContract: false };
    const busy = decide('start', undefined, facts);
    expect('refusal' in busy && busy.refusal).toBeInstanceOf(PreflightError);
    expect(outcome(busy)).toMatchObject({
      refusal: { message: expect.stringContaining('"first" (status failed) is still active on public.b') },
    });
    expect(outcome(decide('start', { name: m, status: 'stopped', phase: 'expand' }, facts))).toEqual(
      invalidState('migration "m" already exists (status stopped); run `online resume m`'),
    );
  });
});

describe('resume: continues from the recorded phase; refuses a finished migration and one awaiting contract with nothing to sweep', () => {
  const refusal: Record<MigrationStatus, string | null> = {
    running: null,
    stopped: null,
    failed: null,
    awaiting_contract: 'migration "m" has finished its backfill; run `online complete m`',
    completed: 'migration "m" is already completed; nothing to resume',
    rolled_back: 'migration "m" is already rolled back; nothing to resume (to apply it again, run `online start` with its spec)',
  };

  it('has a row for every status', () => expectEvery(migrationStatuses, refusal));

  /** What the caller read: a table of the migration with rows that need work again (its update repeatable or not), or none. */
  const needingWork = [{ task: 'public.tickets.priority', table: 'public.tickets', sampleKeys: ['(7)', '(8)'], sweepable: true }];
  const notRepeatable = [{ task: 'public.prices', table: 'public.prices', sampleKeys: ['(1)'], sweepable: false }];
  const notRepeatableRefusal: Outcome = {
    refusal: {
      code: 'BACKFILL_NOT_REPEATABLE',
      exitCode: 2,
      message:
        'refusing to resume "m": public.prices still has rows that its backfill public.prices matches, e.g. keys (1), although the backfill finished. ' +
        'It has no trigger for writers, so online cannot tell rows written after its pass from rows its update left matching ' +
        '(a `set` that does not make a row stop matching its `where`), and it never runs the update on a row twice: ' +
        'fix those rows or the spec, then run `online complete m`.',
    },
  };

  it.each(
    everyRecord.flatMap((r) =>
      [false, true].flatMap((derivedCompletion) =>
        [false, true].flatMap((contractStepsRecorded) =>
          [[], needingWork, notRepeatable].map((rowsNeedingWork) => ({ ...r, derivedCompletion, contractStepsRecorded, rowsNeedingWork })),
        ),
      ),
    ),
  )(
    '$status in $phase, completion derived $derivedCompletion, contract steps recorded $contractStepsRecorded, rows needing work $rowsNeedingWork',
    ({ status, phase, derivedCompletion, contractStepsRecorded, rowsNeedingWork }) => {
      const decision = outcome(decide('resume', { name: m, status, phase }, { derivedCompletion, contractStepsRecorded, rowsNeedingWork }));
      const refused = refusal[status];
      const sweepDue = phase === 'contract' && !contractStepsRecorded && refused !== refusal.completed && refused !== refusal.rolled_back;
      if (derivedCompletion) expect(decision).toEqual({ action: { kind: 'report' } });
      else if (status === 'completed' || status === 'rolled_back') expect(decision).toEqual(invalidState(refused ?? ''));
      else if (sweepDue && rowsNeedingWork === needingWork)
        expect(decision).toEqual({ action: { kind: 'sweep', from: 'backfill', tasks: needingWork } });
      else if (sweepDue && rowsNeedingWork === notRepeatable) expect(decision).toEqual(notRepeatableRefusal);
      else if (refused === null) expect(decision).toEqual({ action: { kind: 'drive', from: phase } });
      else expect(decision).toEqual(invalidState(refused));
    },
  );

  it('sweeps a finished backfill again when its tables have rows that need work (complete refused it, naming resume)', () => {
    const record = { name: m, status: 'awaiting_contract', phase: 'contract' } as const;
    const facts = { derivedCompletion: false, contractStepsRecorded: false };
    expect(outcome(decide('resume', record, { ...facts, rowsNeedingWork: needingWork }))).toEqual({
      action: { kind: 'sweep', from: 'backfill', tasks: needingWork },
    });
    expect(outcome(decide('resume', record, { ...facts, rowsNeedingWork: [] }))).toEqual(
      invalidState('migration "m" has finished its backfill; run `online complete m`'),
    );
  });

  it('sweeps one that failed in contract before its first contract step (start --complete), never one past a contract step', () => {
    const record = { name: m, status: 'failed', phase: 'contract' } as const;
    expect(
      outcome(decide('resume', record, { derivedCompletion: false, contractStepsRecorded: false, rowsNeedingWork: needingWork })),
    ).toEqual({
      action: { kind: 'sweep', from: 'backfill', tasks: needingWork },
    });
    expect(
      outcome(decide('resume', record, { derivedCompletion: false, contractStepsRecorded: true, rowsNeedingWork: needingWork })),
    ).toEqual({
      action: { kind: 'drive', from: 'contract' },
    });
  });

  it('refuses to run a backfill without triggers on its rows again, even beside a task that could be swept', () => {
    const record = { name: m, status: 'awaiting_contract', phase: 'contract' } as const;
    const both = [...needingWork, ...notRepeatable];
    expect(outcome(decide('resume', record, { derivedCompletion: false, contractStepsRecorded: false, rowsNeedingWork: both }))).toEqual(
      notRepeatableRefusal,
    );
  });
});

describe('complete: runs contract once the backfill is proven; a completed migration succeeds again and changes nothing', () => {
  const byStatus: Record<MigrationStatus, 'report' | 'refuse-rolled-back' | 'by-phase'> = {
    running: 'by-phase',
    stopped: 'by-phase',
    failed: 'by-phase',
    awaiting_contract: 'by-phase',
    completed: 'report',
    rolled_back: 'refuse-rolled-back',
  };
  /** What an unfinished migration's phase calls for (status in the message filled in per row). */
  const byPhase: Record<MigrationPhase, (status: MigrationStatus, proveBackfill: boolean) => Outcome> = {
    expand: (status) => ({
      refusal: {
        code: 'BACKFILL_INCOMPLETE',
        exitCode: 2,
        message: `refusing to complete "m": it is still in its expand phase (status ${status}). Run \`online resume m\` first.`,
      },
    }),
    backfill: (status) => ({
      refusal: {
        code: 'BACKFILL_INCOMPLETE',
        exitCode: 2,
        message: `refusing to complete "m": it is still in its backfill phase (status ${status}). Run \`online resume m\` first.`,
      },
    }),
    contract: (_, proveBackfill) => ({ action: { kind: 'drive', from: 'contract', proveBackfill } }),
    rollback: () => invalidState('migration "m" is being rolled back; run `online rollback m` to finish that'),
    done: (_, proveBackfill) => ({ action: { kind: 'drive', from: 'contract', proveBackfill } }),
  };

  it('has a row for every status and phase', () => {
    expectEvery(migrationStatuses, byStatus);
    expectEvery(migrationPhases, byPhase);
  });

  it.each(everyRecord.flatMap((r) => [undefined, step].map((pointOfNoReturn) => ({ ...r, pointOfNoReturn }))))(
    '$status in $phase, point of no return $pointOfNoReturn.index',
    ({ status, phase, pointOfNoReturn }) => {
      const decision = outcome(decide('complete', { name: m, status, phase }, { pointOfNoReturn }));
      const rule = byStatus[status];
      if (rule === 'report') expect(decision).toEqual({ action: { kind: 'report' } });
      else if (rule === 'refuse-rolled-back') {
        expect(decision).toEqual(
          invalidState('migration "m" was rolled back; start it again first (`online start` with its spec), then run `online complete m`'),
        );
      }
      // Past the point of no return the backfill is not proven again: its queries may name a dropped column.
      else expect(decision).toEqual(byPhase[phase](status, pointOfNoReturn === undefined));
    },
  );
});

describe('rollback: undoes expand until contract passes its point of no return; a finished rollback is a no-op', () => {
  const pastPointOfNoReturn = invalidState(
    'migration "m" is past its point of no return: contract step 2 (swap in the new column) has committed, ' +
      'so rollback can no longer restore the original; run `online complete m` to finish it',
  );
  const byStatus: Record<MigrationStatus, Outcome | 'by-phase'> = {
    running: 'by-phase',
    stopped: 'by-phase',
    failed: 'by-phase',
    awaiting_contract: 'by-phase',
    completed: invalidState(
      'migration "m" is completed; contract cannot be undone by rollback; run `online revert m` to undo it with an inverse migration',
    ),
    rolled_back: { action: { kind: 'report' } },
  };

  it('has a row for every status', () => expectEvery(migrationStatuses, byStatus));

  it.each(everyRecord.flatMap((r) => [undefined, step].map((pointOfNoReturn) => ({ ...r, pointOfNoReturn }))))(
    '$status in $phase, point of no return $pointOfNoReturn.index',
    ({ status, phase, pointOfNoReturn }) => {
      const decision = outcome(decide('rollback', { name: m, status, phase }, { pointOfNoReturn }));
      const rule = byStatus[status];
      if (rule !== 'by-phase') expect(decision).toEqual(rule);
      // A rollback already under way goes on even past the point (its own steps recorded the way there).
      else if (phase === 'rollback') expect(decision).toEqual({ action: { kind: 'drive', from: 'rollback', begin: false } });
      else if (pointOfNoReturn !== undefined) expect(decision).toEqual(pastPointOfNoReturn);
      else expect(decision).toEqual({ action: { kind: 'drive', from: 'rollback', begin: true } });
    },
  );
});

describe('revert: only a completed migration, and only once; a revert recorded already is finished or continued', () => {
  const byStatus: Record<MigrationStatus, Outcome | 'by-revert'> = {
    running: invalidState(
      'migration "m" is not completed (status running); revert undoes a completed migration: run `online rollback m` to undo it',
    ),
    stopped: invalidState(
      'migration "m" is not completed (status stopped); revert undoes a completed migration: run `online rollback m` to undo it',
    ),
    failed: invalidState(
      'migration "m" is not completed (status failed); revert undoes a completed migration: run `online rollback m` to undo it',
    ),
    awaiting_contract: invalidState(
      'migration "m" is not completed (status awaiting_contract); revert undoes a completed migration: run `online rollback m` to undo it',
    ),
    completed: 'by-revert',
    rolled_back: invalidState('migration "m" was rolled back; there is nothing to revert'),
  };
  /** What a completed migration's revert, recorded in this status, makes of a new `revert`. */
  const byRevertStatus: Record<MigrationStatus, Outcome> = {
    running: invalidState('migration "m" is being reverted by revert-m (status running); run `online resume revert-m`'),
    stopped: invalidState('migration "m" is being reverted by revert-m (status stopped); run `online resume revert-m`'),
    failed: invalidState('migration "m" is being reverted by revert-m (status failed); run `online resume revert-m`'),
    awaiting_contract: invalidState(
      'migration "m" is being reverted by revert-m (status awaiting_contract); run `online complete revert-m`',
    ),
    completed: invalidState('migration "m" is already reverted (by revert-m); nothing to do'),
    rolled_back: { action: { kind: 'plan-inverse' } },
  };

  it('has a row for every status', () => {
    expectEvery(migrationStatuses, byStatus);
    expectEvery(migrationStatuses, byRevertStatus);
  });

  it.each(everyRecord)('$status in $phase, no revert recorded', ({ status, phase }) => {
    const rule = byStatus[status];
    const decision = outcome(decide('revert', { name: m, status, phase }, { revert: undefined }));
    expect(decision).toEqual(rule === 'by-revert' ? { action: { kind: 'plan-inverse' } } : rule);
  });

  it.each(everyRecord)('completed, its revert $status in $phase', ({ status, phase }) => {
    const revert = { name: 'revert-m', status, phase };
    expect(outcome(decide('revert', { name: m, status: 'completed', phase: 'done' }, { revert }))).toEqual(byRevertStatus[status]);
  });
});

describe('a run that reconnected: reports a migration that settled meanwhile, goes on with any other', () => {
  const settled: Record<MigrationStatus, { readonly runsContract: boolean; readonly expandOnly: boolean }> = {
    running: { runsContract: false, expandOnly: false },
    stopped: { runsContract: false, expandOnly: false },
    failed: { runsContract: false, expandOnly: false },
    awaiting_contract: { runsContract: false, expandOnly: true },
    completed: { runsContract: true, expandOnly: true },
    rolled_back: { runsContract: true, expandOnly: true },
  };

  it('has a row for every status', () => expectEvery(migrationStatuses, settled));

  it.each(everyRecord.flatMap((r) => [false, true].map((runsContract) => ({ ...r, runsContract }))))(
    '$status in $phase, running contract $runsContract',
    ({ status, phase, runsContract }) => {
      const decision = outcome(decide('reconnect', { name: m, status, phase }, { runsContract }));
      const isSettled = runsContract ? settled[status].runsContract : settled[status].expandOnly;
      expect(decision).toEqual({ action: isSettled ? { kind: 'report' } : { kind: 'drive', from: phase } });
    },
  );
});

describe('pause and unpause: any unfinished migration takes the flag; a finished one refuses', () => {
  const finished: Record<MigrationStatus, boolean> = {
    running: false,
    stopped: false,
    failed: false,
    awaiting_contract: false,
    completed: true,
    rolled_back: true,
  };

  it('has a row for every status', () => {
    expectEvery(migrationStatuses, finished);
    for (const status of migrationStatuses) expect(isFinished(status)).toBe(finished[status]);
  });

  it.each(
    migrationStatuses.flatMap((status) =>
      [false, true].flatMap((wasPaused) => (['pause', 'unpause'] as const).map((command) => ({ status, wasPaused, command }))),
    ),
  )('$command a migration $status, paused before $wasPaused', ({ status, wasPaused, command }) => {
    const paused = command === 'pause';
    const decision = outcome(decide(command, { name: m, status, paused: wasPaused }, {}));
    if (finished[status]) {
      expect(decision).toEqual(invalidState(`migration "m" is already ${status.replace('_', ' ')}; there is nothing to ${command}`));
    } else expect(decision).toEqual({ action: { kind: 'set-flag', paused, changed: wasPaused !== paused } });
  });
});

describe('stop: a worker holding the lease is asked to stop; already stopped succeeds; any other state refuses naming its next step', () => {
  /** Without a worker: what `stop` answers for each status (in phase backfill). */
  const withoutWorker: Record<MigrationStatus, Outcome> = {
    running: invalidState(
      'migration "m" is not running, so there is no worker to stop: it was interrupted in its backfill phase (its worker is gone); `online resume m` continues it, `online rollback m` undoes it',
    ),
    stopped: { action: { kind: 'report' } },
    failed: invalidState(
      'migration "m" is not running, so there is no worker to stop: it failed in its backfill phase; `online resume m` continues it, `online rollback m` undoes it',
    ),
    awaiting_contract: invalidState(
      'migration "m" is not running, so there is no worker to stop: it waits for contract; `online complete m` runs it',
    ),
    completed: invalidState('migration "m" is already completed; there is no worker to stop'),
    rolled_back: invalidState('migration "m" is already rolled back; there is no worker to stop'),
  };

  it('has a row for every status', () => {
    expectEvery(migrationStatuses, withoutWorker);
  });

  it.each(everyRecord.flatMap((r) => [false, true].map((leaseHeld) => ({ ...r, leaseHeld }))))(
    'a migration $status in $phase, lease held $leaseHeld',
    ({ status, phase, leaseHeld }) => {
      const decision = outcome(decide('stop', { name: m, status, phase }, { leaseHeld }));
      if (isFinished(status)) expect(decision).toEqual(withoutWorker[status]);
      else if (leaseHeld) expect(decision).toEqual({ action: { kind: 'request' } });
      else if (phase === 'backfill') expect(decision).toEqual(withoutWorker[status]);
      else expect(decision).toEqual(JSON.parse(JSON.stringify(withoutWorker[status]).replaceAll('backfill phase', `${phase} phase`)));
    },
  );
});

describe('migrate: the next step of one spec, in each mode', () => {
  type Step = Outcome | 'as-unfinished';
  const start = { action: { kind: 'start' } };
  const resume = { action: { kind: 'resume' } };
  const complete = { action: { kind: 'complete' } };
  const skip = { action: { kind: 'skip' } };
  const pending = { action: { kind: 'pending' } };
  const never: Record<MigrateMode, Step> = { all: start, 'expand-only': start, contract: pending };
  const byStatus: Record<MigrationStatus, Record<MigrateMode, Step>> = {
    running: { all: 'as-unfinished', 'expand-only': 'as-unfinished', contract: 'as-unfinished' },
    stopped: { all: 'as-unfinished', 'expand-only': 'as-unfinished', contract: 'as-unfinished' },
    failed: { all: 'as-unfinished', 'expand-only': 'as-unfinished', contract: 'as-unfinished' },
    awaiting_contract: { all: complete, 'expand-only': 'as-unfinished', contract: complete },
    completed: { all: skip, 'expand-only': skip, contract: skip },
    rolled_back: never,
  };
  /** An unfinished migration, by phase (the being-rolled-back refusal comes first, in every mode). */
  const unfinished = (status: MigrationStatus, phase: MigrationPhase, mode: MigrateMode, contractSteps: number): Outcome => {
    const beingRolledBack = invalidState(
      `migration "m" is being rolled back (status ${status}); finish with \`online rollback m\`, then run \`online migrate\` again`,
    );
    const halfContracted = { action: { kind: 'skip', note: `${status} during contract; finish it with \`online migrate --contract\`` } };
    const byPhase: Record<MigrationPhase, Record<MigrateMode, Outcome>> = {
      expand: { all: resume, 'expand-only': resume, contract: pending },
      backfill: { all: resume, 'expand-only': resume, contract: pending },
      contract: {
        all: resume,
        'expand-only': halfContracted,
        contract: resume,
      },
      rollback: { all: beingRolledBack, 'expand-only': beingRolledBack, contract: beingRolledBack },
      done: {
        all: resume,
        'expand-only': halfContracted,
        contract: resume,
      },
    };
    // Awaiting contract, expand-only: an empty contract changes nothing the old application relies on.
    if (status === 'awaiting_contract' && phase !== 'rollback') return contractSteps === 0 ? complete : skip;
    return byPhase[phase][mode];
  };
  const planWith = (contractSteps: number): OperationPlan => ({
    expand: [],
    backfill: [],
    contract: Array.from({ length: contractSteps }, (_, i) => ({ description: `step ${i}`, statements: [] })),
    rollback: [],
  });

  it('has a row for every status', () => expectEvery(migrationStatuses, byStatus));

  it.each(modes)('a spec never recorded, in mode %s', (mode) => {
    expect(outcome(decide('migrate', undefined, { mode }))).toEqual(never[mode]);
  });

  it.each(everyRecord.flatMap((r) => modes.flatMap((mode) => [0, 2].map((contractSteps) => ({ ...r, mode, contractSteps })))))(
    '$status in $phase, mode $mode, $contractSteps contract steps',
    ({ status, phase, mode, contractSteps }) => {
      const decision = outcome(decide('migrate', { name: m, status, phase, plan: planWith(contractSteps) }, { mode }));
      const rule = byStatus[status][mode];
      expect(decision).toEqual(
        rule === 'as-unfinished' || (phase === 'rollback' && !isFinished(status)) ? unfinished(status, phase, mode, contractSteps) : rule,
      );
    },
  );

  it('holds every status but rolled back to the spec hash it recorded', () => {
    const file = { file: '0001-a.yaml', path: 'migrations/0001-a.yaml', hash: 'new', spec: { name: m, operations: [] } };
    for (const status of migrationStatuses) {
      const drift = findDrift([file], new Map([[m, { status, specHash: 'old' }]]));
      expect(drift.length).toBe(status === 'rolled_back' ? 0 : 1);
    }
  });
});

describe('status: running and interrupted are told apart by the lease', () => {
  const live: Record<MigrationStatus, { readonly held: LiveState; readonly free: LiveState }> = {
    running: { held: 'running', free: 'interrupted' },
    stopped: { held: 'stopped', free: 'stopped' },
    failed: { held: 'failed', free: 'failed' },
    awaiting_contract: { held: 'awaiting_contract', free: 'awaiting_contract' },
    completed: { held: 'completed', free: 'completed' },
    rolled_back: { held: 'rolled_back', free: 'rolled_back' },
  };

  it('has a row for every status', () => expectEvery(migrationStatuses, live));

  it.each(migrationStatuses)('%s', (status) => {
    expect(liveStateOf(status, true)).toBe(live[status].held);
    expect(liveStateOf(status, false)).toBe(live[status].free);
  });
});

describe('the phase route: where each phase leads, and where a run settles', () => {
  const route: Record<MigrationPhase, { readonly complete: PhaseAfter; readonly expandOnly: PhaseAfter }> = {
    expand: { complete: { kind: 'next', next: 'backfill' }, expandOnly: { kind: 'next', next: 'backfill' } },
    backfill: {
      complete: { kind: 'next', next: 'contract' },
      expandOnly: { kind: 'settle', status: 'awaiting_contract', phase: 'contract', closesWithLastStep: false },
    },
    contract: {
      complete: { kind: 'settle', status: 'completed', phase: 'done', closesWithLastStep: true },
      expandOnly: { kind: 'settle', status: 'completed', phase: 'done', closesWithLastStep: true },
    },
    rollback: {
      complete: { kind: 'settle', status: 'rolled_back', phase: 'done', closesWithLastStep: true },
      expandOnly: { kind: 'settle', status: 'rolled_back', phase: 'done', closesWithLastStep: true },
    },
    done: { complete: { kind: 'report', status: 'completed' }, expandOnly: { kind: 'report', status: 'completed' } },
  };

  it('has a row for every phase', () => expectEvery(migrationPhases, route));

  it.each(migrationPhases)('after %s', (phase) => {
    expect(phaseAfter(phase, true)).toEqual(route[phase].complete);
    expect(phaseAfter(phase, false)).toEqual(route[phase].expandOnly);
  });

  it('records a stop as stopped and keeps its error', () => {
    const stop = new StoppedError(m, 'interrupted by signal');
    expect(failureOutcome(stop, m, 'backfill', true, stop.message)).toEqual({ status: 'stopped', error: stop });
  });

  it('keeps a refusal (exit 2) only while this command has changed nothing', () => {
    const refusal = new MigrationStateError('no');
    expect(failureOutcome(refusal, m, 'contract', false, 'no')).toEqual({ status: 'failed', error: refusal });
    const after = failureOutcome(refusal, m, 'contract', true, 'no');
    expect(after.status).toBe('failed');
    expect(after.error).not.toBe(refusal);
    expect([after.error.code, after.error.exitCode, after.error.message]).toEqual([
      'MIGRATION_FAILED',
      1,
      'migration "m" failed during contract: no',
    ]);
  });

  it("wraps an error that is not online's own, and keeps an exit-1 error as it is", () => {
    const wrapped = failureOutcome(new Error('boom'), m, 'expand', false, 'boom');
    expect([wrapped.status, wrapped.error.code, wrapped.error.exitCode]).toEqual(['failed', 'MIGRATION_FAILED', 1]);
    const failed = new OnlineError('SOMETHING', 'it broke', 1);
    expect(failureOutcome(failed, m, 'backfill', true, 'it broke').error).toBe(failed);
  });
});
