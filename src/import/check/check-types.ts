// What `online check --sql` finds, as data: per source migration (pending or applied), per statement,
// the locks it takes with each table's size, whether it scans or rewrites, what online would run
// instead, and the verdict. `check --sql --json` prints it; the printer draws it.
import type { LockMode } from '../../db/lock-modes.js';
import type { Verdict } from '../../forecast/statement-analysis.js';
import type { SourceTool, StatementTranslation } from '../import-types.js';

/** How big a table is, or why that is not known. */
export type TableSize =
  /** From pg_class (a partitioned table: its leaves together); `estimated`: never analyzed, rows guessed from its bytes. */
  | {
      readonly source: 'catalog';
      readonly relation: string;
      readonly rows: number;
      readonly bytes: number;
      readonly estimated: boolean;
    }
  /** Created earlier in the same source (`createdAt`: file:line): new and empty, nobody else uses it yet. */
  | { readonly source: 'new'; readonly relation: string; readonly createdAt: string }
  /** Not sized: no database, not in the catalog, or a lock on it held elsewhere. Counts as large. */
  | { readonly source: 'unknown'; readonly relation: string; readonly why: string };

export interface LockCheck {
  readonly relation: string;
  readonly mode: LockMode;
  /** The mode conflicts with ROW EXCLUSIVE: INSERT, UPDATE and DELETE on the table wait while it is held. */
  readonly blocksWrites: boolean;
  /** What takes it, e.g. `CREATE INDEX`. */
  readonly reason: string;
  readonly size: TableSize;
}

export type StatementVerdictLevel = 'fail' | 'warn' | 'ok';

export interface StatementCheck {
  /** `file:line` */
  readonly where: string;
  readonly line: number;
  readonly sql: string;
  /** The analyzer's kind, e.g. `CREATE INDEX`, `ALTER TABLE`, `DO block`. */
  readonly kind: string;
  readonly locks: readonly LockCheck[];
  /** The table its scan or rewrite reads: the first relation it locks (the one it alters, indexes, updates). */
  readonly work: TableSize | null;
  readonly rewrites: Verdict;
  readonly scans: Verdict;
  /** What it locks is decided by code the text does not show (DO, CALL). */
  readonly opaque: boolean;
  /** What `online import` makes of it; null when the translation gave nothing for it. */
  readonly replacement: StatementTranslation | null;
  readonly verdict: StatementVerdictLevel;
  /** Why it fails or warns (empty when ok). */
  readonly reasons: readonly string[];
}

export interface MigrationCheck {
  readonly id: string;
  readonly file: string;
  /** `applied`: the tool's ledger records it; it is listed, not judged. */
  readonly state: 'pending' | 'applied';
  /** Empty for an applied migration. */
  readonly statements: readonly StatementCheck[];
}

export interface SqlCheck {
  readonly source: string;
  readonly tool: SourceTool;
  /** Whether a database was given (sizes from its catalog, applied migrations from the tool's ledger). */
  readonly database: boolean;
  readonly largeTableRows: number;
  /** `fail`: some pending statement fails (exit 1); `warn`: none fails, some warn (exit 0). */
  readonly outcome: StatementVerdictLevel;
  readonly migrations: readonly MigrationCheck[];
  readonly totals: {
    readonly pending: number;
    readonly applied: number;
    readonly statements: number;
    readonly failures: number;
    readonly warnings: number;
  };
}
