// `plan <dir>`: the SQL of every spec of a migrations directory, in order, for review in a pull request
// (what `alembic upgrade head --sql` gives Alembic users).
//
// Why a rehearsal: a spec's plan depends on the schema the specs before it leave behind (0003 indexes
// the column 0002 adds; a change-type plan follows the column's current type, key and indexes). Planning
// every file against the user's database would fail or mislead for all but the first pending one. So
// the directory is planned on a throwaway embedded PostgreSQL: from an empty database, each spec is
// pre-flighted and planned, then applied there in full (start with complete), before the next one is
// planned. No database of the user's is touched, or even needed. The price is the assumption Alembic's
// offline mode makes too: the directory builds its schema from empty. The rehearsal runs the real
// pre-flight, so a spec that does not fit what the earlier ones built fails here, naming its file.
import { startEmbeddedServer } from '../embedded/embedded-server.js';
import { RehearsalError } from '../errors/index.js';
import type { OperationPlan } from '../plan/plan.js';
import { readSpecDirectory, requireValidDirectory, type SpecDirectory } from '../migration-spec/spec-directory.js';
import { planMigration, startMigration } from './start.js';

export interface SpecPlan {
  /** The spec's file name, e.g. `0002-ticket-priority.yaml`. */
  readonly file: string;
  readonly migration: string;
  readonly plan: OperationPlan;
}

export interface PlanDirectoryInput {
  /** A directory path, or one already read with readSpecDirectory. */
  readonly directory: string | SpecDirectory;
  /** Told before each spec is rehearsed (for progress output). */
  readonly onSpec?: (file: string, index: number, total: number) => void;
}

/** Plans every spec of the directory in order by rehearsing them on a throwaway PostgreSQL. */
export async function planDirectory(input: PlanDirectoryInput): Promise<SpecPlan[]> {
  const directory = typeof input.directory === 'string' ? await readSpecDirectory(input.directory) : input.directory;
  const files = requireValidDirectory(directory);
  if (files.length === 0) return [];
  const server = await startEmbeddedServer();
  try {
    const plans: SpecPlan[] = [];
    for (const [index, file] of files.entries()) {
      input.onSpec?.(file.file, index, files.length);
      const connection = { databaseUrl: server.url };
      try {
        const plan = await planMigration({ ...connection, spec: file.spec });
        await startMigration({ ...connection, spec: file.spec, options: { complete: true } });
        plans.push({ file: file.file, migration: file.spec.name, plan });
      } catch (error) {
        throw new RehearsalError(file.file, error);
      }
    }
    return plans;
  } finally {
    await server.stop();
  }
}
