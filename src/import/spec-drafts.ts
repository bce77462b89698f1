// STUB (issue 18 base): replaced by the translate work. A source migration's translated statements as
// one spec, or several in order when one spec cannot hold them all.
import type { SourceMigration, SpecDraft, TranslatedStatement } from './import-types.js';

export function specDrafts(migration: SourceMigration, translated: readonly TranslatedStatement[]): readonly SpecDraft[] {
  throw new Error(`not built yet: specDrafts(${migration.id}, ${translated.length})`);
}
