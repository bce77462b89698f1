// `online import --mark-applied`: make the source tool's ledger and online's agree on who runs what, so
// no migration runs twice and none is skipped:
//   - a source migration the tool has already applied here is recorded as applied in online's ledger
//     (`online stamp`), so `online migrate` does not run it again;
//   - one the tool has not applied is recorded as applied in the TOOL's ledger, exactly as the tool
//     itself would (ledgers/), so the tool never runs it: `online migrate` does, online.
// Stamping uses `online stamp --to <file>`, which stamps every spec up to that file; when that would
// also stamp a spec the tool has not applied (an online spec of the directory that is still pending),
// the whole operation is refused and nothing is recorded in either ledger.
import { stampDirectory } from '../api/stamp.js';
import { withSession, type ConnectionInput } from '../api/session.js';
import { ImportError } from '../errors/index.js';
import type { ImportedMigration } from './import-migrations.js';
import type { SourceMigration, SourceTool } from './import-types.js';
import { appliedSourceIds, markSourceApplied, type SourceLedgerOptions } from './ledgers/source-ledger.js';

export interface MarkAppliedInput extends ConnectionInput {
  readonly dir: string;
  readonly tool: SourceTool;
  /** Every migration of the source, in order. */
  readonly sourceMigrations: readonly SourceMigration[];
  /** What the import did with each (imported now or before). */
  readonly imported: readonly ImportedMigration[];
  /** The tool's ledger table when it is not the tool's default (node-pg-migrate's --migrations-table…). */
  readonly ledgerTable?: SourceLedgerOptions;
}

export interface LedgerAgreement {
  /** Spec files of migrations the tool had already applied, now recorded as applied in online's ledger. */
  readonly stamped: readonly string[];
  /** Ids newly marked applied in the tool's ledger (online runs them). */
  readonly marked: readonly string[];
  /** Ids the tool's ledger already had (applied by the tool, or marked before). */
  readonly already: readonly string[];
}

export async function markApplied(input: MarkAppliedInput): Promise<LedgerAgreement> {
  const imported = new Map(input.imported.map((m) => [m.id, m]));
  const inDirectory = input.sourceMigrations.filter((m) => imported.has(m.id));
  const applied = await withSession(input, (session) => appliedSourceIds(session.sql, input.tool, inDirectory, input.ledgerTable), 1);
  const byTool = inDirectory.filter((m) => applied?.has(m.id) === true);
  const stamped =
    byTool.length === 0
      ? []
      : await stampAppliedByTool(
          input,
          byTool.flatMap((m) => imported.get(m.id)?.specs.map((s) => s.file) ?? []),
        );
  const toMark = inDirectory.filter((m) => applied?.has(m.id) !== true);
  if (toMark.length === 0) return { stamped, marked: [], already: byTool.map((m) => m.id) };
  const result = await withSession(input, (session) => markSourceApplied(session.sql, input.tool, toMark, input.ledgerTable), 1);
  return { stamped, marked: result.marked, already: [...byTool.map((m) => m.id), ...result.already] };
}

/** `online stamp --to <the last of files>`, after checking that it stamps nothing else that is pending. */
async function stampAppliedByTool(input: MarkAppliedInput, files: readonly string[]): Promise<readonly string[]> {
  const wanted = new Set(files);
  const last = files.at(-1);
  if (last === undefined) return [];
  const base = { databaseUrl: input.databaseUrl, stateSchema: input.stateSchema, onEvent: input.onEvent, dir: input.dir, to: last };
  const preview = await stampDirectory({ ...base, dryRun: true });
  const others = preview.specs.filter((s) => s.action === 'would-stamp' && !wanted.has(s.file)).map((s) => s.file);
  if (others.length > 0) {
    throw new ImportError(
      'IMPORT_STAMP_WOULD_SKIP',
      `cannot mark applied: the ${input.tool} ledger has applied migrations up to ${last}, so online must record them as applied (online stamp --to ${last}), ` +
        `but that would also record specs that have not run: ${others.join(', ')}. Nothing was recorded in either ledger. ` +
        'Apply or move those specs first, or stamp what is really applied yourself with `online stamp --to <file>`',
    );
  }
  const done = await stampDirectory(base);
  return done.specs.filter((s) => s.action === 'stamped').map((s) => s.file);
}
