// What `online migrate` does next with one spec of a directory, decided from its ledger record alone,
// so the rules of the three modes read in one place:
//
//   ledger record            all              --expand-only                  --contract
//   none / rolled back       start+complete   start (no contract)            pending: stop here
//   running/stopped/failed   resume+complete  resume (no contract)           pending: stop here
//     … in expand/backfill
//   … in contract            resume           skip (a contract is half run)  resume
//   awaiting contract        complete         skip, or complete when the     complete
//                                             contract phase is empty
//   completed                skip             skip                           skip
//   being rolled back        refuse: finish the rollback first (every mode)
//
// `--contract` stops at the first spec not yet expanded: a later spec's contract must not run before an
// earlier spec's (file order is the order the application was written against). A contract phase with
// no steps changes nothing the old application relies on, so `--expand-only` completes such specs
// (new tables, new indexes, nullable columns) instead of leaving them waiting for contract.
import { MigrationStateError, type DriftedFile } from '../errors/index.js';
import type { SpecFile } from '../migration-spec/spec-directory.js';
import type { MigrationRecord } from '../state/migration-records.js';
import { act, refuse, type Decision } from './decision.js';
import { isHashBound } from './migration-status.js';

export type MigrateMode = 'all' | 'expand-only' | 'contract';

export type SpecStep =
  | { readonly kind: 'start' }
  | { readonly kind: 'resume' }
  | { readonly kind: 'complete' }
  | { readonly kind: 'skip'; readonly note?: string }
  /** `--contract` reached a spec that is not expanded yet: it and every later spec are left alone. */
  | { readonly kind: 'pending' };

/** Whether a run in this mode takes migrations through contract. */
export const runsContract = (mode: MigrateMode): boolean => mode !== 'expand-only';

export function stepFor(
  record: Pick<MigrationRecord, 'name' | 'status' | 'phase' | 'plan'> | undefined,
  mode: MigrateMode,
): Decision<SpecStep> {
  if (record === undefined || record.status === 'rolled_back') return act(mode === 'contract' ? { kind: 'pending' } : { kind: 'start' });
  if (record.status === 'completed') return act({ kind: 'skip' });
  if (record.phase === 'rollback') {
    return refuse(
      new MigrationStateError(
        `migration "${record.name}" is being rolled back (status ${record.status}); finish with \`online rollback ${record.name}\`, then run \`online migrate\` again`,
      ),
    );
  }
  if (record.status === 'awaiting_contract') {
    return act(mode !== 'expand-only' || record.plan.contract.length === 0 ? { kind: 'complete' } : { kind: 'skip' });
  }
  if (record.phase === 'expand' || record.phase === 'backfill') return act(mode === 'contract' ? { kind: 'pending' } : { kind: 'resume' });
  // Interrupted, stopped or failed during contract.
  if (mode === 'expand-only') {
    return act({ kind: 'skip', note: `${record.status} during contract; finish it with \`online migrate --contract\`` });
  }
  return act({ kind: 'resume' });
}

/** Files whose validated spec differs from what the ledger recorded when their migration started. */
export function findDrift(
  files: readonly SpecFile[],
  ledger: ReadonlyMap<string, Pick<MigrationRecord, 'status' | 'specHash'>>,
): DriftedFile[] {
  return files.flatMap((f) => {
    const record = ledger.get(f.spec.name);
    if (record === undefined || !isHashBound(record.status) || record.specHash === f.hash) return [];
    return [{ file: f.file, migration: f.spec.name, recordedHash: record.specHash, fileHash: f.hash }];
  });
}
