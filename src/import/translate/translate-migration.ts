// STUB (issue 18 base): replaced by the translate work. What each statement of one source migration becomes.
import type { SourceStatement, TranslatedStatement } from '../import-types.js';

export async function translateMigration(statements: readonly SourceStatement[]): Promise<readonly TranslatedStatement[]> {
  await Promise.resolve();
  throw new Error(`not built yet: translateMigration(${statements.length})`);
}
