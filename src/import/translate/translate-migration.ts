// What each statement of one source migration becomes, in order: an online operation, plain SQL in a
// phase, skipped, or refused. Statements are read from their own parse tree and text (source-text.ts),
// knowing which tables the migration created before them (statements on those are safe as SQL).
import type { SourceStatement, StatementTranslation, TranslatedStatement } from '../import-types.js';
import { alterTable } from './alter-table-translation.js';
import { createIndex } from './index-translation.js';
import { createTable } from './create-table-translation.js';
import { dataChange } from './data-translation.js';
import { doBlock } from './do-block-translation.js';
import { drop } from './drop-translation.js';
import { plainStatement } from './plain-statements.js';
import { rename } from './rename-translation.js';
import { statementSource } from './source-text.js';
import { refused, translationContext, type MigrationScope, type TranslationContext } from './translation-scope.js';

export { translationContext, type TranslationContext } from './translation-scope.js';

async function translate(statement: SourceStatement, scope: MigrationScope): Promise<StatementTranslation> {
  const source = await statementSource(statement.sql);
  const stmt = source.stmt;
  if ('CreateStmt' in stmt) return createTable(source, scope);
  if ('AlterTableStmt' in stmt) return alterTable(source, scope);
  if ('IndexStmt' in stmt) return createIndex(source, scope);
  if ('DropStmt' in stmt) return drop(source, scope);
  if ('RenameStmt' in stmt) return rename(source, scope);
  if ('UpdateStmt' in stmt || 'InsertStmt' in stmt || 'DeleteStmt' in stmt || 'TruncateStmt' in stmt) return dataChange(source, scope);
  if ('DoStmt' in stmt) return doBlock(source, scope);
  return (
    plainStatement(source, scope) ??
    refused(
      `online does not know what a ${Object.keys(stmt)[0] ?? 'statement'} locks or for how long`,
      'write it as an `op: sql` step yourself if you know it is brief, or run it outside online',
    )
  );
}

/**
 * The statements of one migration, translated in order. `context` carries what earlier migrations
 * showed (which table each index belongs to); pass one context through the migrations in order.
 */
export async function translateMigration(
  statements: readonly SourceStatement[],
  context: TranslationContext = translationContext(),
): Promise<readonly TranslatedStatement[]> {
  const scope: MigrationScope = { context, newTables: new Set() };
  const translated: TranslatedStatement[] = [];
  for (const statement of statements) translated.push({ statement, translation: await translate(statement, scope) });
  return translated;
}
