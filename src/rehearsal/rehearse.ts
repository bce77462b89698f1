// `online rehearse` as a library call: copy the target's schema (and a sample of its rows) into a
// throwaway embedded PostgreSQL of its major, run the migration there for real, traced, and report.
// The target is only read (a read-only snapshot for the copy, its ledger to leave out applied specs);
// the throwaway server is always stopped, even when the run is interrupted.
import { connect } from '../db/connect.js';
import { pathKind } from '../config/project-files.js';
import { loadSpecFile } from '../migration-spec/load-spec.js';
import type { MigrationSpec } from '../migration-spec/migration-spec.js';
import { readSpecDirectory, requireValidDirectory } from '../migration-spec/spec-directory.js';
import type { RunOptionsInput } from '../settings/run-options.js';
import { Ledger } from '../state/ledger.js';
import { defaultStateSchema } from '../state/state-store.js';
import { rehearsalApplicationPrefix } from './lock-poller.js';
import { startRehearsalServer } from './rehearsal-server.js';
import type { RehearsalReport } from './rehearsal-report.js';
import { rehearseOnCopy } from './rehearse-copy.js';
import { copySchema } from './schema-copy.js';

/** Why 1 s: a step meant to be brief holds its locks for milliseconds; one that blocks writers longer than the default --lock-timeout on a (small) copy does something that grows with the table. */
export const defaultMaxLockHoldMs = 1_000;

export interface RehearseInput {
  /** The target: only read. */
  readonly databaseUrl: string;
  readonly stateSchema?: string;
  /** A spec file, or a directory of them (its specs not applied on the target, in order). */
  readonly path: string;
  /** Fraction of each table's rows to copy (0 < sample ≤ 1); none: schema only. */
  readonly sample?: number;
  /** The run settings of start (lock timeout, batch size …). */
  readonly options?: RunOptionsInput;
  readonly maxLockHoldMs?: number;
  /** Rehearse on the default embedded major when the target's is not installed. */
  readonly allowOtherMajor?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
}

export async function rehearse(input: RehearseInput): Promise<RehearsalReport> {
  const progress = input.onProgress ?? (() => undefined);
  const stateSchema = input.stateSchema ?? defaultStateSchema;
  const target = await connect(input.databaseUrl, { max: 2, applicationName: `${rehearsalApplicationPrefix} reader` });
  try {
    const { specs, skipped } = await specsToRehearse(input.path, new Ledger({ sql: target, schema: stateSchema }));
    progress(`starting a throwaway PostgreSQL…`);
    const server = await startRehearsalServer(target, { allowOtherMajor: input.allowOtherMajor === true });
    try {
      progress(`copying the schema${input.sample === undefined ? '' : ` and a ${+(input.sample * 100).toFixed(4)}% sample of the rows`}…`);
      const copy = await connect(server.url, { max: 2, applicationName: `${rehearsalApplicationPrefix} copy` });
      const copied = await copySchema(target, copy, {
        stateSchema,
        ...(input.sample === undefined ? {} : { sample: input.sample }),
      }).finally(() => copy.end({ timeout: 5 }));
      const notes = [
        ...server.warnings,
        ...copied.skipped.map((s) => `not copied: ${s.kind} ${s.name} (${s.reason})`),
        ...copied.unvalidatedForeignKeys.map((fk) => `foreign key ${fk} is NOT VALID on the copy (the sample left referenced rows out)`),
      ];
      return await rehearseOnCopy({
        copyUrl: server.url,
        specs,
        options: input.options,
        stateSchema,
        maxLockHoldMs: input.maxLockHoldMs ?? defaultMaxLockHoldMs,
        sample: input.sample ?? null,
        skipped,
        notes,
        signal: input.signal,
        onProgress: progress,
      });
    } finally {
      await server.stop().catch(() => undefined);
    }
  } finally {
    await target.end({ timeout: 5 });
  }
}

/** A file's spec; a directory's specs the target has not applied (a migration under way there is left out too). */
async function specsToRehearse(
  path: string,
  ledger: Ledger,
): Promise<{ specs: MigrationSpec[]; skipped: { migration: string; reason: string }[] }> {
  if ((await pathKind(path)) !== 'directory') return { specs: [await loadSpecFile(path)], skipped: [] };
  const files = requireValidDirectory(await readSpecDirectory(path));
  const recorded = new Map((await ledger.migrationsIfAny()).map((m) => [m.name, m.status]));
  const specs: MigrationSpec[] = [];
  const skipped: { migration: string; reason: string }[] = [];
  for (const file of files) {
    const status = recorded.get(file.spec.name);
    if (status === undefined || status === 'rolled_back') specs.push(file.spec);
    else
      skipped.push({
        migration: file.spec.name,
        reason: status === 'completed' ? 'applied on the target' : `${status.replace('_', ' ')} on the target`,
      });
  }
  return { specs, skipped };
}
