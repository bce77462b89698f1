// Which specs of a migrations directory the ledger has applied, matched by migration name. A spec is
// pending when the ledger has no migration of its name, or only a rolled-back one (rollback undid its
// expand, so it applies again from scratch, as `start` allows for a rolled-back name).
import type { SpecFile } from '../migration-spec/spec-directory.js';
import type { MigrationRecord } from '../state/migration-records.js';

export interface SpecInLedger {
  readonly file: SpecFile;
  /** The ledger's migration of the same name, if any. */
  readonly record: MigrationRecord | undefined;
  readonly pending: boolean;
}

export function matchLedger(files: readonly SpecFile[], ledger: readonly MigrationRecord[]): SpecInLedger[] {
  const byName = new Map(ledger.map((m) => [m.name, m]));
  return files.map((file) => {
    const record = byName.get(file.spec.name);
    return { file, record, pending: record === undefined || record.status === 'rolled_back' };
  });
}
