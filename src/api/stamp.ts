// `stamp`: records the specs of a migrations directory as applied without running them (Alembic's
// `stamp`, node-pg-migrate's baseline), so a project whose schema already exists can adopt online:
// `migrate` then skips them and applies only the later specs. Each is recorded completed with the hash
// `migrate` compares for drift, so an applied file edited afterwards is still caught. It takes the
// migrate lock, so it never interleaves with a running `migrate`; it records all or nothing.
import { describeHolder, InvalidOptionError, StampConflictError, type MigrateLockHolder, type StampConflict } from '../errors/index.js';
import { tablesOf } from '../operations/index.js';
import type { OperationPlan } from '../plan/plan.js';
import { readSpecDirectory, requireValidDirectory, type SpecFile } from '../migration-spec/spec-directory.js';
import { parseRunOptions } from '../settings/run-options.js';
import { displayName } from '../sql-text/quote.js';
import type { MigrationRecord } from '../state/migration-records.js';
import { acquireMigrateLock } from './migrate-lock.js';
import { stampWarnings } from './stamp-schema-check.js';
import { withSession, type ConnectionInput } from './session.js';

export interface StampInput extends ConnectionInput {
  readonly dir: string;
  /** The last file name to stamp (inclusive); default: every spec of the directory. */
  readonly to?: string;
  /** List what would be stamped; record nothing and take no lock. */
  readonly dryRun?: boolean;
  /** Default true: wait while an `online migrate` runs; false: refuse at once (exit 2). */
  readonly wait?: boolean;
  readonly signal?: AbortSignal;
}

/** `stamped` (or `would-stamp` in a dry run); `already-applied`: the ledger has it completed, same content. */
export type StampAction = 'stamped' | 'would-stamp' | 'already-applied';

export interface StampedSpec {
  readonly file: string;
  readonly migration: string;
  readonly action: StampAction;
}

export interface StampResult {
  readonly dir: string;
  readonly to: string | null;
  readonly dryRun: boolean;
  /** The specs up to `to`, in order. */
  readonly specs: readonly StampedSpec[];
  /** Where the live schema does not look like the stamped specs applied (see stamp-schema-check.ts). */
  readonly warnings: readonly string[];
}

/** A stamped migration ran nothing: its plan is empty, and `history` shows no steps for it. */
const ranNothing: OperationPlan = { expand: [], backfill: [], contract: [], rollback: [] };

export async function stampDirectory(input: StampInput): Promise<StampResult> {
  const files = selectUpTo(requireValidDirectory(await readSpecDirectory(input.dir)), input.dir, input.to);
  const dryRun = input.dryRun === true;
  return withSession(
    input,
    async (session) => {
      const onWait = (holder: MigrateLockHolder): void =>
        session.emit({ type: 'warning', message: `waiting for ${describeHolder(holder)} to finish…` });
      const lockOptions = { wait: input.wait ?? true, signal: input.signal, onWait };
      const lock = dryRun ? undefined : await acquireMigrateLock(session.sql, session.store, lockOptions);
      try {
        const ledger = new Map((await session.ledger.migrationsIfAny()).map((m) => [m.name, m]));
        const conflicts = files.flatMap((f) => conflictOf(f, ledger.get(f.spec.name)));
        if (conflicts.length > 0) throw new StampConflictError(conflicts);
        const applied = (f: SpecFile): boolean => ledger.get(f.spec.name)?.status === 'completed';
        const toStamp = files.filter((f) => !applied(f));
        const warnings = await stampWarnings(session.sql, toStamp);
        if (!dryRun && toStamp.length > 0) {
          await session.ledger.ensureSchema();
          const options = parseRunOptions({});
          await session.ledger.transaction(async (tx) => {
            for (const f of toStamp) {
              const tables = [...new Set(f.spec.operations.flatMap((op) => tablesOf(op)).map(displayName))];
              await tx.insertMigration({ name: f.spec.name, spec: f.spec, specHash: f.hash, plan: ranNothing, options, tables });
              await tx.updateMigration(f.spec.name, { status: 'completed', phase: 'done' });
              await tx.logEvent(f.spec.name, 'stamped', { file: f.file, warnings: warnings.filter((w) => w.startsWith(`${f.file}: `)) });
            }
          });
        }
        const stamped: StampAction = dryRun ? 'would-stamp' : 'stamped';
        const specs = files.map((f): StampedSpec => ({
          file: f.file,
          migration: f.spec.name,
          action: applied(f) ? 'already-applied' : stamped,
        }));
        return { dir: input.dir, to: input.to ?? null, dryRun, specs, warnings };
      } finally {
        await lock?.release().catch(() => undefined);
      }
    },
    2,
  );
}

/** The specs up to and including the file named `to` (all without it). */
function selectUpTo(files: readonly SpecFile[], dir: string, to: string | undefined): readonly SpecFile[] {
  if (to === undefined) return files;
  const index = files.findIndex((f) => f.file === to);
  if (index < 0) {
    const names = files.map((f) => f.file).join(', ');
    throw new InvalidOptionError(
      `--to ${to}: no spec file of that name in ${dir}${names === '' ? ' (it has none)' : `; its files: ${names}`}`,
    );
  }
  return files.slice(0, index + 1);
}

/** Already applied with the same content: fine (skipped). Rolled back or unknown: stamped. Anything else: refused. */
function conflictOf(f: SpecFile, record: MigrationRecord | undefined): StampConflict[] {
  if (record === undefined || record.status === 'rolled_back') return [];
  const base = { file: f.file, migration: f.spec.name, status: record.status, fileHash: f.hash };
  if (record.status !== 'completed') return [base];
  return record.specHash === f.hash ? [] : [{ ...base, recordedHash: record.specHash }];
}
