// Which specs of a migrations directory the ledger has applied, matched by migration name. A spec is
// pending when the ledger has no migration of its name, or only a rolled-back one (rollback undid its
// expand, so it applies again from scratch, as `start` allows for a rolled-back name).
//
// A pending spec that touches a table an earlier pending spec (or a migration still unfinished in the
// ledger) also touches cannot be judged against today's schema: the column it indexes may be the one
// the earlier spec adds. `check` defers its pre-flight and `plan --pending` its plan, naming the
// change it waits for.
import { isFinished } from '../lifecycle/migration-status.js';
import type { SpecFile } from '../migration-spec/spec-directory.js';
import { tablesOf } from '../operations/index.js';
import { displayName } from '../sql-text/quote.js';
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

/** What a pending spec waits for: the earlier change (`after`) to one of its tables. */
export interface Deferral {
  /** The earlier spec file, or `migration <name>` (with its status when unfinished). */
  readonly after: string;
  readonly table: string;
}

/** The pending specs that must wait for an earlier change, by file name. */
export function deferredSpecs(files: readonly SpecFile[], ledger: readonly MigrationRecord[]): Map<string, Deferral> {
  const fileOf = new Map(files.map((f) => [f.spec.name, f.file]));
  // Which earlier change each table waits for: unfinished migrations first, then the pending specs in order.
  const changedBy = new Map<string, string>();
  for (const m of ledger.filter((m) => !isFinished(m.status))) {
    for (const table of m.tables)
      if (!changedBy.has(table)) changedBy.set(table, `${fileOf.get(m.name) ?? `migration ${m.name}`} (${m.status.replace('_', ' ')})`);
  }
  const deferred = new Map<string, Deferral>();
  for (const { file, pending } of matchLedger(files, ledger)) {
    if (!pending) continue;
    const tables = file.spec.operations.flatMap((op) => tablesOf(op).map(displayName));
    const table = tables.find((t) => changedBy.has(t));
    const after = table === undefined ? undefined : changedBy.get(table);
    if (table !== undefined && after !== undefined) deferred.set(file.file, { after, table });
    for (const t of tables) if (!changedBy.has(t)) changedBy.set(t, file.file);
  }
  return deferred;
}
