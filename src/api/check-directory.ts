// `check`: a CI gate for a migrations directory. Without a database it validates every spec on its own
// (schema, unique names), which needs nothing but the files. With a database it also compares the files
// with the ledger and pre-flights what is pending, changing nothing:
//   - drift: a spec the ledger has applied whose content hash differs from the file's (edited after it
//     ran) is an error naming the file;
//   - pre-flight: every pending spec is checked against the live catalog (tables, columns, types,
//     expressions) through planMigration, the path `start` takes before it changes anything.
// A pending spec that touches a table an earlier pending spec (or a migration still unfinished in the
// ledger) also touches cannot be judged against today's schema (see pending-specs.ts). Checking it
// anyway would report a false failure, so its pre-flight is deferred, naming the spec it runs after;
// `online plan <dir>` rehearses the whole chain instead.
import { describeDrift, driftAdvice, OnlineError } from '../errors/index.js';
import { readSpecDirectory, type SpecFile } from '../migration-spec/spec-directory.js';
import { findDrift } from '../lifecycle/migrate-step.js';
import type { MigrationRecord, MigrationStatus } from '../state/migration-records.js';
import { deferredSpecs, matchLedger } from './pending-specs.js';
import { withSession, type ConnectionInput } from './session.js';
import { planMigration } from './start.js';

interface FileCheckBase {
  readonly file: string;
  /** The spec's migration name; null when the file does not validate. */
  readonly migration: string | null;
}

export type FileCheck = FileCheckBase &
  (
    | { readonly outcome: 'invalid'; readonly ok: false; readonly messages: readonly string[] }
    /** Valid; no database was given, so neither drift nor pre-flight was checked. */
    | { readonly outcome: 'valid'; readonly ok: true }
    /** In the ledger with the same content. */
    | { readonly outcome: 'applied'; readonly ok: true; readonly status: MigrationStatus }
    | { readonly outcome: 'drift'; readonly ok: false; readonly status: MigrationStatus; readonly messages: readonly string[] }
    | { readonly outcome: 'preflight-passed'; readonly ok: true }
    /** `after`: the earlier spec (or unfinished migration) that changes `table` first. */
    | { readonly outcome: 'preflight-deferred'; readonly ok: true; readonly after: string; readonly table: string }
    | { readonly outcome: 'preflight-failed'; readonly ok: false; readonly code: string; readonly messages: readonly string[] }
  );

export interface DirectoryCheck {
  readonly directory: string;
  /** Whether a database was given (drift and pre-flight checked). */
  readonly database: boolean;
  readonly ok: boolean;
  /** One per spec file, in file-name order. */
  readonly files: readonly FileCheck[];
}

export interface CheckDirectoryInput {
  readonly directory: string;
  /** Without it, only the specs themselves are validated. */
  readonly connection?: ConnectionInput;
}

export async function checkDirectory(input: CheckDirectoryInput): Promise<DirectoryCheck> {
  const directory = await readSpecDirectory(input.directory);
  const invalid: FileCheck[] = directory.problems.map((p) => ({
    file: p.file,
    migration: null,
    outcome: 'invalid',
    ok: false,
    messages: p.messages,
  }));
  const valid = input.connection === undefined ? directory.files.map(validOnly) : await againstDatabase(input.connection, directory.files);
  // File-name order, as the specs apply (the default sort compares code units, as readSpecDirectory does).
  const byFile = new Map([...invalid, ...valid].map((f) => [f.file, f]));
  const files = [...byFile.keys()].sort().flatMap((file) => byFile.get(file) ?? []);
  return { directory: directory.dir, database: input.connection !== undefined, ok: files.every((f) => f.ok), files };
}

function validOnly(f: SpecFile): FileCheck {
  return { file: f.file, migration: f.spec.name, outcome: 'valid', ok: true };
}

async function againstDatabase(connection: ConnectionInput, files: readonly SpecFile[]): Promise<FileCheck[]> {
  const ledger = await withSession(connection, (session) => session.ledger.migrationsIfAny());
  const deferred = deferredSpecs(files, ledger);
  const checks: FileCheck[] = [];
  for (const { file, record, pending } of matchLedger(files, ledger)) {
    const waits = deferred.get(file.file);
    if (!pending && record !== undefined) checks.push(ledgerCheck(file, record));
    else if (waits !== undefined)
      checks.push({ file: file.file, migration: file.spec.name, outcome: 'preflight-deferred', ok: true, ...waits });
    else checks.push(await preflightCheck(connection, file));
  }
  return checks;
}

function ledgerCheck(file: SpecFile, record: MigrationRecord): FileCheck {
  const base = { file: file.file, migration: file.spec.name, status: record.status };
  const [drifted] = findDrift([file], new Map([[file.spec.name, record]]));
  if (drifted === undefined) return { ...base, outcome: 'applied', ok: true };
  return {
    ...base,
    outcome: 'drift',
    ok: false,
    messages: [
      `drift: ${describeDrift(drifted)}, applied from different content (another file of the same name? or edited since; ledger status ${record.status}): ${driftAdvice}.`,
    ],
  };
}

async function preflightCheck(connection: ConnectionInput, file: SpecFile): Promise<FileCheck> {
  try {
    await planMigration({ ...connection, spec: file.spec });
    return { file: file.file, migration: file.spec.name, outcome: 'preflight-passed', ok: true };
  } catch (error) {
    // Only bad input is the spec's fault; a lost connection or a bug fails the whole check.
    if (!(error instanceof OnlineError) || error.exitCode !== 2) throw error;
    return {
      file: file.file,
      migration: file.spec.name,
      outcome: 'preflight-failed',
      ok: false,
      code: error.code,
      messages: error.message.split('\n'),
    };
  }
}
