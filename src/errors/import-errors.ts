// Errors of `online import` and `online check --sql`: a source the importer cannot read, or statements
// it cannot make safe. Nothing is written and no ledger is touched when either is thrown (exit 2).
import { OnlineError } from './online-error.js';

/** A source that cannot be read or used as given (a missing journal, a syntax error, a name taken…). */
export class ImportError extends OnlineError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, 2, options);
  }
}

/** One statement the importer will not turn into an online migration, with why and what to do instead. */
export interface ImportRefusal {
  /** `prisma/migrations/…/migration.sql:12` */
  readonly where: string;
  readonly sql: string;
  readonly reason: string;
  readonly suggestion: string;
}

/** Statements that cannot be made safe: every one is listed, and nothing is written. */
export class ImportRefusedError extends OnlineError {
  constructor(readonly refusals: readonly ImportRefusal[]) {
    super(
      'IMPORT_REFUSED',
      `cannot import: ${refusals.length} statement${refusals.length === 1 ? '' : 's'} cannot be made safe, and nothing was written:\n` +
        refusals
          .map((r) => `  ${r.where}: ${r.sql.replace(/\s+/g, ' ').slice(0, 120)}\n    ${r.reason}\n    instead: ${r.suggestion}`)
          .join('\n'),
      2,
    );
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), refusals: this.refusals };
  }
}
