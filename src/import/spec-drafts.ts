// A source migration's translated statements as one spec, or several in order when one spec cannot
// hold them: a statement starts a new part when, in the current one, it would need what an earlier
// operation creates (pre-flight checks every operation against the catalog before the spec runs), it
// would conflict with an earlier operation (operationConflicts), or its effect would run before an
// earlier statement's although they do not commute (every expand step of a spec runs before any
// backfill, and every backfill before any contract step). Consecutive plain-SQL statements of one
// phase become one `sql` operation (they run in one transaction). Skipped statements leave their
// comments and note on the next operation.
import { ImportRefusedError, type ImportRefusal } from '../errors/index.js';
import type { OperationSpec } from '../migration-spec/migration-spec.js';
import { operationConflicts } from '../migration-spec/operation-conflicts.js';
import type { SqlSpec } from '../operations/raw-sql.js';
import { commute, createdBy, needsOf, phaseNames, phaseSpan, tableKey, tablesTouched } from './draft-dependencies.js';
import type { DraftOperation, SourceMigration, SpecDraft, TranslatedStatement } from './import-types.js';

/** `prisma/…/migration.sql:12: ALTER TABLE "Post" ADD COLUMN …` (the statement on one line, shortened). */
export function statementOrigin(migration: SourceMigration, line: number, sql: string): string {
  const flat = sql.replace(/\s+/g, ' ');
  return `${migration.file}:${line}: ${flat.length > 100 ? `${flat.slice(0, 99)}…` : flat}`;
}

/** The statements no operation can make safe, with where they are. */
export function refusalsOf(migration: SourceMigration, translated: readonly TranslatedStatement[]): ImportRefusal[] {
  return translated.flatMap(({ statement, translation }) =>
    translation.kind === 'refused'
      ? [
          {
            where: `${migration.file}:${statement.line}`,
            sql: statement.sql,
            reason: translation.reason,
            suggestion: translation.suggestion,
          },
        ]
      : [],
  );
}

interface Item {
  readonly operation: OperationSpec;
  /** What it creates that a later operation's pre-flight could need. */
  readonly created: readonly string[];
  readonly comments: readonly string[];
  /** What the source statement says, for split reasons. */
  readonly origin: string;
  /** The tables it touches; undefined: unknown (raw SQL that may touch any). */
  readonly touches: ReadonlySet<string> | undefined;
}

/** Each translated statement's operations, in order, each with its comment lines. */
function itemsOf(migration: SourceMigration, translated: readonly TranslatedStatement[]): Item[] {
  const items: Item[] = [];
  let pending: string[] = [];
  for (const { statement, translation } of translated) {
    const origin = statementOrigin(migration, statement.line, statement.sql);
    if (translation.kind === 'refused') continue;
    if (translation.kind === 'skipped') {
      pending.push(...statement.comments, origin, `skipped: ${translation.note}`);
      continue;
    }
    const operations: OperationSpec[] =
      translation.kind === 'operation'
        ? [...translation.operations]
        : [
            {
              op: 'sql',
              phase: translation.phase,
              sql: statement.sql,
              tables: (translation.tables ?? []).map((t) => ({ ...t })),
              ...(translation.phase === 'expand' && translation.rollback !== undefined ? { rollback: [...translation.rollback] } : {}),
            },
          ];
    operations.forEach((operation, i) => {
      const note =
        translation.kind === 'sql'
          ? `sql (${translation.phase}): ${translation.note}`
          : translation.notes?.[i] === undefined
            ? translation.note
            : `${i + 1} of ${operations.length}: ${translation.notes[i]}`;
      items.push({
        operation,
        created: createdBy(operation, statement.stmt),
        touches:
          translation.kind === 'sql'
            ? translation.tables === undefined
              ? undefined
              : new Set(translation.tables.map((t) => tableKey(t.schema, t.table)))
            : tablesTouched(operation),
        comments: [...pending, ...(i === 0 ? statement.comments : []), origin, note],
        origin,
      });
      pending = [];
    });
  }
  const last = items.at(-1);
  if (pending.length > 0 && last !== undefined) items[items.length - 1] = { ...last, comments: [...last.comments, ...pending] };
  return items;
}

/** Why `next` cannot join `part`, or undefined. */
function splitReason(part: readonly Item[], next: Item): string | undefined {
  const needs = needsOf(next.operation);
  for (const earlier of part) {
    const needed = needs.find((n) => earlier.created.includes(n));
    if (needed !== undefined) {
      return `${next.origin.split(': ')[0] ?? ''} needs the ${needed} that ${earlier.origin.split(': ')[0] ?? ''} creates, and online pre-flights every operation of a spec against the catalog before it runs`;
    }
  }
  const conflict = operationConflicts([...part.map((p) => p.operation), next.operation]).find((c) => c.later === part.length);
  if (conflict !== undefined) {
    return `${next.origin.split(': ')[0] ?? ''} conflicts with ${part[conflict.earlier]?.origin.split(': ')[0] ?? ''} in one spec: ${conflict.reason}`;
  }
  const span = phaseSpan(next.operation);
  for (const earlier of part) {
    const before = phaseSpan(earlier.operation);
    if (before.last > span.first && !commute(earlier.operation, earlier.touches, next.operation, next.touches)) {
      return (
        `${next.origin.split(': ')[0] ?? ''} must act after ${earlier.origin.split(': ')[0] ?? ''}, but in one spec its ${phaseNames[span.first]} step ` +
        `would run before the other's ${phaseNames[before.last]} step`
      );
    }
  }
  return undefined;
}

const statementsOf = (sql: SqlSpec['sql'] | undefined): string[] => (sql === undefined ? [] : typeof sql === 'string' ? [sql] : [...sql]);

/** Consecutive sql operations of one phase as one (one transaction); rollbacks in reverse order, kept only if every statement has one. */
function mergeSql(items: readonly Item[]): DraftOperation[] {
  const merged: DraftOperation[] = [];
  let previous: { op: SqlSpec; comments: string[]; undoable: boolean } | undefined;
  const flush = (): void => {
    if (previous === undefined) return;
    const { op, comments, undoable } = previous;
    const rollback = statementsOf(op.rollback);
    const rest: SqlSpec = { ...op };
    delete rest.rollback;
    const sql = statementsOf(op.sql);
    merged.push({
      operation: { ...rest, sql: sql.length === 1 ? (sql[0] ?? '') : sql, ...(undoable && rollback.length > 0 ? { rollback } : {}) },
      comments,
    });
    previous = undefined;
  };
  for (const item of items) {
    const op = item.operation;
    if (op.op !== 'sql') {
      flush();
      merged.push({ operation: op, comments: item.comments });
      continue;
    }
    const undoable = op.phase === 'expand' && op.rollback !== undefined;
    if (previous !== undefined && previous.op.phase === op.phase) {
      const tables = [
        ...previous.op.tables,
        ...op.tables.filter((t) => !previous?.op.tables.some((p) => p.schema === t.schema && p.table === t.table)),
      ];
      previous = {
        op: {
          ...previous.op,
          sql: [...statementsOf(previous.op.sql), ...statementsOf(op.sql)],
          tables,
          rollback: [...statementsOf(op.rollback), ...statementsOf(previous.op.rollback)],
        },
        comments: [...previous.comments, ...item.comments],
        undoable: previous.undoable && undoable,
      };
    } else {
      flush();
      previous = { op, comments: [...item.comments], undoable };
    }
  }
  flush();
  return merged;
}

/**
 * The translated statements of one migration as spec drafts, in order (none when every statement was
 * skipped). Throws ImportRefusedError when a statement was refused: nothing is drafted then.
 */
export function specDrafts(migration: SourceMigration, translated: readonly TranslatedStatement[]): readonly SpecDraft[] {
  const refusals = refusalsOf(migration, translated);
  if (refusals.length > 0) throw new ImportRefusedError(refusals);
  const parts: { placed: Item[]; splitReason?: string }[] = [];
  for (const item of itemsOf(migration, translated)) {
    const current = parts.at(-1);
    const reason = current === undefined ? undefined : splitReason(current.placed, item);
    if (current === undefined) parts.push({ placed: [item] });
    else if (reason === undefined) current.placed.push(item);
    else parts.push({ placed: [item], splitReason: reason });
  }
  return parts.map((p) => ({ operations: mergeSql(p.placed), ...(p.splitReason === undefined ? {} : { splitReason: p.splitReason }) }));
}
