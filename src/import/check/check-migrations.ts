// The analysis behind `online check --sql`, over migrations already read: each pending migration's
// statements through the lock analyzer (forecast/statement-locks.ts), each locked table sized
// (table-sizes.ts), what online would run instead (the translation, passed in), and the gate's verdict
// (statement-verdict.ts); a DO block that only wraps plain statements is judged by them
// (do-block-analysis.ts). Applied migrations are listed, not judged. Every tool runs a migration in
// one transaction (Prisma's script is one implicit transaction; drizzle, node-pg-migrate and Flyway
// open one), and plain .sql files are assumed to be run the same way: a lock a statement takes is held
// until the migration commits, so a later scan in the same migration holds it too.
import type { Sql } from '../../db/connect.js';
import { conflictsWith } from '../../db/lock-modes.js';
import { analyzeTree } from '../../forecast/statement-locks.js';
import type { SourceMigration, SourceStatement, SourceTool, TranslatedStatement } from '../import-types.js';
import { sourceStatements } from '../source-statements.js';
import type { LockCheck, MigrationCheck, SqlCheck, StatementCheck, StatementVerdictLevel } from './check-types.js';
import { wrappedAnalysis, wrappedStatements } from './do-block-analysis.js';
import { judgeStatement, type HeldLock } from './statement-verdict.js';
import { tableSizes, type TableSizes } from './table-sizes.js';

/** What each statement of one migration becomes (translate/translate-migration.ts in the CLI). */
export type TranslateMigration = (statements: readonly SourceStatement[]) => Promise<readonly TranslatedStatement[]>;

export interface CheckMigrationsInput {
  /** The path given (for the result). */
  readonly source: string;
  readonly tool: SourceTool;
  /** In the tool's apply order. */
  readonly migrations: readonly SourceMigration[];
  /** Ids the tool's ledger records as applied. */
  readonly applied: ReadonlySet<string>;
  /** A read-only connection under lock_timeout; without it every table the source did not create is unsized. */
  readonly sql?: Sql;
  readonly largeTableRows: number;
  readonly translate: TranslateMigration;
}

export async function checkMigrations(input: CheckMigrationsInput): Promise<SqlCheck> {
  const sizes = tableSizes(input.sql);
  const migrations: MigrationCheck[] = [];
  for (const migration of input.migrations) {
    // Parsed even when applied: a syntax error anywhere in the source is bad input (exit 2).
    const { statements } = await sourceStatements(migration);
    if (input.applied.has(migration.id)) {
      migrations.push({ id: migration.id, file: migration.file, state: 'applied', statements: [] });
      continue;
    }
    const translations = await input.translate(statements);
    migrations.push({
      id: migration.id,
      file: migration.file,
      state: 'pending',
      statements: await checkStatements(input, sizes, migration, statements, translations),
    });
  }
  const judged = migrations.flatMap((m) => m.statements);
  const failures = judged.filter((s) => s.verdict === 'fail').length;
  const warnings = judged.filter((s) => s.verdict === 'warn').length;
  const outcome: StatementVerdictLevel = failures > 0 ? 'fail' : warnings > 0 ? 'warn' : 'ok';
  return {
    source: input.source,
    tool: input.tool,
    database: input.sql !== undefined,
    largeTableRows: input.largeTableRows,
    outcome,
    migrations,
    totals: {
      pending: migrations.filter((m) => m.state === 'pending').length,
      applied: migrations.filter((m) => m.state === 'applied').length,
      statements: judged.length,
      failures,
      warnings,
    },
  };
}

async function checkStatements(
  input: CheckMigrationsInput,
  sizes: TableSizes,
  migration: SourceMigration,
  statements: readonly SourceStatement[],
  translations: readonly TranslatedStatement[],
): Promise<StatementCheck[]> {
  const checks: StatementCheck[] = [];
  let held: HeldLock[] = [];
  for (const statement of statements) {
    const where = `${migration.file}:${statement.line}`;
    const wrapped = 'DoStmt' in statement.stmt ? await wrappedStatements(statement.sql) : undefined;
    const analysis = wrapped === undefined ? analyzeTree(statement.stmt) : wrappedAnalysis(wrapped);
    const locks: LockCheck[] = [];
    for (const lock of analysis.locks) {
      const size = await sizes.sizeOf(lock);
      locks.push({
        relation: size.relation,
        mode: lock.mode,
        blocksWrites: conflictsWith(lock.mode).includes('row exclusive'),
        reason: lock.reason,
        size,
      });
    }
    const work = locks[0]?.size ?? null;
    const verdict = judgeStatement({
      kind: analysis.kind,
      opaque: analysis.opaque,
      rewrites: analysis.rewrites,
      scans: analysis.scans,
      locks,
      work,
      heldEarlier: held,
      largeTableRows: input.largeTableRows,
      tool: input.tool,
    });
    checks.push({
      where,
      line: statement.line,
      sql: statement.sql,
      kind: analysis.kind,
      locks,
      work,
      rewrites: analysis.rewrites,
      scans: analysis.scans,
      opaque: analysis.opaque,
      replacement: translationOf(translations, statement),
      ...verdict,
    });
    held = endsTransaction(statement) ? [] : [...held, ...heldFrom(locks, where, held)];
    for (const stmt of wrapped ?? [statement.stmt]) sizes.record(stmt, where);
  }
  return checks;
}

/** The locks of a statement that stay held to the end of its transaction and block writes to a table in use. */
function heldFrom(locks: readonly LockCheck[], where: string, already: readonly HeldLock[]): HeldLock[] {
  return locks
    .filter((l) => l.blocksWrites && l.size.source !== 'new' && !already.some((h) => h.relation === l.relation))
    .map((l) => ({ relation: l.relation, mode: l.mode, takenAt: where }));
}

function endsTransaction(statement: SourceStatement): boolean {
  const stmt = statement.stmt;
  return (
    'TransactionStmt' in stmt &&
    ['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_COMMIT_PREPARED'].includes(stmt.TransactionStmt.kind ?? '')
  );
}

/** The translation of `statement`: the same object, or (a translation that copies) the same line and text. */
function translationOf(
  translations: readonly TranslatedStatement[],
  statement: SourceStatement,
): TranslatedStatement['translation'] | null {
  const found =
    translations.find((t) => t.statement === statement) ??
    translations.find((t) => t.statement.line === statement.line && t.statement.sql === statement.sql);
  return found?.translation ?? null;
}
