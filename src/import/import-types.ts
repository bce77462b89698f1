// The shapes the importer passes between its parts: a migration tool's migrations (sources/), their
// statements (source-statements.ts), what each statement becomes (translate/), and the specs written.
import type { Node } from 'libpg-query';
import type { OperationSpec } from '../migration-spec/migration-spec.js';

/** The tools whose SQL migrations `online import` and `online check --sql` read. `sql`: plain .sql files in name order. */
export const sourceTools = ['prisma', 'drizzle', 'node-pg-migrate', 'flyway', 'sql'] as const;
export type SourceTool = (typeof sourceTools)[number];

/** One migration of the source tool, in the order the tool applies them. */
export interface SourceMigration {
  readonly tool: SourceTool;
  /**
   * The tool's own name for it, as its ledger records it: Prisma's directory name
   * (`20240101120000_init`), drizzle's journal tag (`0000_brave_hulk`), node-pg-migrate's file name
   * without extension (`1700000000000_add-priority`), Flyway's script name (`V2__add_priority.sql`),
   * a plain file's name without `.sql`.
   */
  readonly id: string;
  /** The file the SQL came from, relative to the path given to import (for comments and messages). */
  readonly file: string;
  /** The file's absolute path. */
  readonly path: string;
  /** The SQL the tool runs forward (node-pg-migrate: only the `-- Up Migration` part). */
  readonly sql: string;
  /** The 1-based line of the file where `sql` begins (node-pg-migrate's up part starts below its marker). */
  readonly firstLine: number;
  /**
   * drizzle only: the journal entry's `when` (ms since the epoch). drizzle's ledger records it as
   * `created_at`, and its migrator runs every entry whose `when` is newer than the newest row's.
   */
  readonly when?: number;
}

/** One statement of a source migration, parsed by PostgreSQL's grammar. */
export interface SourceStatement {
  /** The statement as written, without its `;` and without comments (they are in `comments`), trimmed. */
  readonly sql: string;
  readonly stmt: Node;
  /** The comments before it (since the previous statement) and inside it, in order, without `--` / `/* *\/`, trimmed; empty ones dropped. */
  readonly comments: readonly string[];
  /** The 1-based line of the file where the statement begins. */
  readonly line: number;
}

/** A table an `sql` step changes, as its `tables:` lists it. */
export interface SqlTable {
  readonly schema: string;
  readonly table: string;
}

/** What one statement becomes. */
export type StatementTranslation =
  /** An online operation (or several, e.g. ADD COLUMN … NOT NULL DEFAULT → add-column) replaces it. */
  | {
      readonly kind: 'operation';
      readonly operations: readonly OperationSpec[];
      readonly note: string;
      /** One note per operation, when the statement became several (an ALTER TABLE's subcommands). */
      readonly notes?: readonly string[];
    }
  /** It is already safe and stays plain SQL, in an `sql` step of this phase; `note` says why it is safe. */
  | {
      readonly kind: 'sql';
      readonly phase: 'expand' | 'contract';
      readonly note: string;
      /** The tables it changes (the sql step's `tables:`); `[]`: none; absent: unknown (it may touch any). */
      readonly tables?: readonly SqlTable[];
      /** Expand only: SQL that undoes it (`[]`: nothing to undo, e.g. an index on a table this migration creates); absent: it cannot be undone. */
      readonly rollback?: readonly string[];
    }
  /** It is left out (transaction control: online runs every step in its own transaction); `note` says why. */
  | { readonly kind: 'skipped'; readonly note: string }
  /** It cannot be made safe: the import refuses, with the reason and what to do instead. */
  | { readonly kind: 'refused'; readonly reason: string; readonly suggestion: string };

export interface TranslatedStatement {
  readonly statement: SourceStatement;
  readonly translation: StatementTranslation;
}

/** One operation of a spec the importer writes, with the comment lines written above it. */
export interface DraftOperation {
  readonly operation: OperationSpec;
  /** The source's comments, where it came from (`<file>:<line>`) and what the importer did and why. */
  readonly comments: readonly string[];
}

/** The operations of one spec file: a source migration, or one part of it when it had to be split. */
export interface SpecDraft {
  readonly operations: readonly DraftOperation[];
  /** Why this part starts a new spec (absent for the first part). */
  readonly splitReason?: string;
}
