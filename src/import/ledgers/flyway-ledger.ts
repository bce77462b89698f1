// Flyway's `flyway_schema_history`: read, never written. A versioned script is applied when a successful
// row names it, or when its version is at or below a BASELINE row's (Flyway skips those). Marking is
// refused: Flyway validates every applied row against the file on each migrate (its own CRC32 checksum of
// the script's lines, the description it derives from the name, the type, installed_rank order) and stops
// on any mismatch, and online cannot run Flyway to prove a hand-written row passes. Flyway has its own ways.
import type { Sql } from '../../db/connect.js';
import { ImportError } from '../../errors/index.js';
import type { SourceMigration } from '../import-types.js';
import { compareFlywayVersions, parseFlywayVersion } from '../sources/flyway-version.js';
import { versionedScript } from '../sources/flyway-source.js';

export const flywayLedger = { schema: 'public', name: 'flyway_schema_history' };

/** The ids of `migrations` Flyway counts as applied given its history table `t` (quoted). */
export async function flywayAppliedIds(sql: Sql, t: string, migrations: readonly SourceMigration[]): Promise<ReadonlySet<string>> {
  const rows = await sql.unsafe<{ script: string; version: string | null; type: string }[]>(
    `select script, version, type from ${t} where success`,
  );
  const scripts = new Set(rows.filter((r) => r.type !== 'BASELINE').map((r) => r.script));
  const baselines = rows.filter((r) => r.type === 'BASELINE' && r.version !== null).map((r) => parseFlywayVersion(r.version ?? ''));
  return new Set(
    migrations
      .filter((m) => {
        if (scripts.has(m.id)) return true;
        const version = parseFlywayVersion(versionedScript.exec(m.id.split('/').at(-1) ?? '')?.[1] ?? '');
        return version !== undefined && baselines.some((b) => b !== undefined && compareFlywayVersions(version, b) <= 0);
      })
      .map((m) => m.id),
  );
}

export function flywayMarkingRefused(migrations: readonly SourceMigration[]): ImportError {
  const ids = migrations.map((m) => m.id);
  return new ImportError(
    'IMPORT_LEDGER_UNSAFE',
    'online does not write flyway_schema_history: Flyway validates every applied row against its file on each migrate ' +
      '(its own checksum of the script, the description it derives from the name, the type and rank) and stops on any mismatch, so a row online wrote by hand could stop every later flyway migrate. ' +
      `Stop Flyway running ${ids.length === 1 ? ids[0] : `these ${ids.length} scripts`} in one of Flyway's own ways: ` +
      "move the imported V scripts out of Flyway's locations (online runs them now); on a database with no history yet, flyway baseline -baselineVersion=<the highest imported version>; " +
      'or, with Flyway Teams/Enterprise, flyway migrate -skipExecutingMigrations=true -target=<that version> after online has run them (Flyway records them without running them)',
  );
}
