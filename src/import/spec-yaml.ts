// STUB (issue 18 base): replaced by the translate work. A draft as the YAML text of a spec file, comments kept.
import type { SourceMigration, SpecDraft } from './import-types.js';

export interface SpecYamlInput {
  readonly migration: SourceMigration;
  /** The spec's `name:` (the migration name online's ledger records). */
  readonly name: string;
  readonly draft: SpecDraft;
  /** 1-based part and the number of parts the source migration was split into. */
  readonly part: number;
  readonly parts: number;
  /** Comments after the source's last statement (written at the end of the last part). */
  readonly trailingComments: readonly string[];
  /** The `$schema` reference for editors, relative to the spec file. */
  readonly schemaRef: string;
}

export function specYaml(input: SpecYamlInput): string {
  throw new Error(`not built yet: specYaml(${input.name})`);
}
