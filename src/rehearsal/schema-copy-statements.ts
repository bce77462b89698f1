// The statements a schema copy runs in the copy, in groups, and its report: what was copied, what was
// skipped and why. A statement that fails for want of an object another group creates later (a
// function whose signature names a table, a view over a view) waits and is tried again after each
// later group; what still fails at the end is skipped, with PostgreSQL's reason.
import type { Sql } from '../db/connect.js';
import { errorMessage, sqlState } from '../db/connect.js';

export const copiedKinds = [
  'schema',
  'extension',
  'type',
  'domain',
  'function',
  'sequence',
  'table',
  'partition',
  'sequence value',
  'constraint',
  'index',
  'statistics',
  'foreign key',
  'view',
  'materialized view',
  'trigger',
] as const;
export type CopiedKind = (typeof copiedKinds)[number];

export interface CopyStatement {
  readonly kind: CopiedKind;
  /** The object, for the report: `public.tickets`, `tickets_pkey on public.tickets`. */
  readonly name: string;
  /** Text from PostgreSQL's deparsers and quoteIdent; values (a sequence's) are `params`. */
  readonly sql: string;
  readonly params?: readonly (string | boolean)[];
  /** Counted in the report (false for a second statement of the same object: a domain's check). */
  readonly counts?: boolean;
}

export interface SkippedObject {
  readonly kind: CopiedKind;
  readonly name: string;
  readonly reason: string;
}

/** Errors of a statement that needs an object not created yet: it is tried again after later groups. */
const missingObjectStates = new Set(['42704', '42P01', '42883', '3F000']);

export class StatementRunner {
  readonly copied = new Map<CopiedKind, number>(copiedKinds.map((kind) => [kind, 0]));
  readonly skipped: SkippedObject[] = [];
  readonly created = new Set<string>();
  #waiting: { statement: CopyStatement; reason: string }[] = [];

  constructor(readonly copy: Sql) {}

  /** Runs a group, and again what waits, until nothing more succeeds. */
  async run(group: readonly CopyStatement[]): Promise<void> {
    let pending = [...this.#waiting.map((w) => w.statement), ...group];
    for (;;) {
      const failed: { statement: CopyStatement; reason: string }[] = [];
      for (const statement of pending) {
        const failure = await this.#attempt(statement);
        if (failure !== undefined) failed.push({ statement, reason: failure });
      }
      this.#waiting = failed;
      if (failed.length === 0 || failed.length === pending.length) return;
      pending = failed.map((f) => f.statement);
    }
  }

  /** Skips, with their last error, the statements that never found what they need. */
  finish(): void {
    for (const { statement, reason } of this.#waiting) this.skip(statement.kind, statement.name, reason);
    this.#waiting = [];
  }

  wasCreated(kind: CopiedKind, name: string): boolean {
    return this.created.has(`${kind} ${name}`);
  }

  skip(kind: SkippedObject['kind'], name: string, reason: string): void {
    this.skipped.push({ kind, name, reason });
  }

  async #attempt(statement: CopyStatement): Promise<string | undefined> {
    try {
      await this.copy.unsafe(statement.sql, statement.params === undefined ? [] : [...statement.params]);
    } catch (error) {
      const reason = errorMessage(error);
      if (missingObjectStates.has(sqlState(error) ?? '')) return reason;
      this.skip(statement.kind, statement.name, reason);
      return undefined;
    }
    if (statement.counts !== false) this.copied.set(statement.kind, (this.copied.get(statement.kind) ?? 0) + 1);
    this.created.add(`${statement.kind} ${statement.name}`);
    return undefined;
  }
}
