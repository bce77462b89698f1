// What an index name the plan builds concurrently finds in the catalog, decided in one place for
// pre-flight and for the build itself: free, an invalid leftover of an interrupted build (dropped and
// built again), the very index planned (kept), or taken by something else. Pre-flight refuses a taken
// name before anything changes, so a run never finds it halfway through expand.
import type { Sql } from '../db/connect.js';
import { readIndex, relationExists, type IndexState } from '../catalog/read-index.js';
import { displayName } from '../sql-text/quote.js';
import { NameTakenError } from '../errors/index.js';
import type { IndexBuild, OperationPlan } from '../plan/plan.js';

export type IndexNameState =
  | { readonly kind: 'free' }
  | { readonly kind: 'invalid-leftover' }
  | { readonly kind: 'built' }
  | { readonly kind: 'taken'; readonly reason: string };

export function classifyIndexName(existing: IndexState | undefined, build: IndexBuild): IndexNameState {
  if (existing === undefined) return { kind: 'free' };
  if (displayName(existing.table) !== displayName(build.table)) {
    return {
      kind: 'taken',
      reason: `index ${build.schema}.${build.name} already exists on ${displayName(existing.table)}, not ${displayName(build.table)}; choose another name`,
    };
  }
  if (!existing.valid) return { kind: 'invalid-leftover' };
  if (existing.definition === build.definition) return { kind: 'built' };
  return {
    kind: 'taken',
    reason: `index ${build.schema}.${build.name} already exists with a different definition (${existing.definition}); choose another name`,
  };
}

/** Pre-flight: every index the plan builds has a name it can use. */
export async function requirePlannedIndexNamesFree(sql: Sql, plan: OperationPlan): Promise<void> {
  for (const step of [...plan.expand, ...plan.contract]) {
    const build = step.buildsIndex;
    if (build === undefined) continue;
    const existing = await readIndex(sql, build.schema, build.name);
    const state = classifyIndexName(existing, build);
    if (state.kind === 'taken') throw new NameTakenError(state.reason);
    if (existing === undefined && (await relationExists(sql, build.schema, build.name))) {
      throw new NameTakenError(
        `${build.schema}.${build.name} is already the name of a table, sequence or view in that schema; choose another name for the index`,
      );
    }
  }
}
