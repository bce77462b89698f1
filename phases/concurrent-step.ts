// Runs a `concurrent` step: each statement alone on a reserved connection, outside a transaction, with
// no lock or statement timeout (CREATE/DROP INDEX CONCURRENTLY wait for older transactions by design
// and take no lock that blocks reads or writes). An index build first looks at what already has its
// name: an invalid leftover of an interrupted build is dropped and rebuilt, a valid index with the
// same definition is kept, anything else is an error. While it builds, progress is reported from
// pg_stat_progress_create_index, with the sessions it waits for.
import { sleep } from '../src/db/backoff.js';
import { errorMessage, type Sql } from '../src/db/connect.js';
import { describeProgress, readIndexBuildProgress } from '../src/catalog/index-build-progress.js';
import { readIndex } from '../src/catalog/read-index.js';
import { quoteQualified } from '../src/sql-text/quote.js';
import { NameTakenError } from '../src/errors/index.js';
import type { IndexBuild, PlannedStep } from '../src/plan/plan.js';
import { classifyIndexName } from '../src/preflight/planned-index-names.js';
import { explainFailure } from './explain-failure.js';
import type { RunContext } from './run-context.js';

const progressEveryMs = 1_000;

/** Returns false when the step had nothing to do (a valid matching index already exists). */
export async function runConcurrentStep(ctx: RunContext, step: PlannedStep): Promise<boolean> {
  const build = step.buildsIndex;
  if (build !== undefined && !(await prepareIndexName(ctx, build))) return false;
  try {
    await withUntimedConnection(ctx, async (conn, pid) => {
      const watcher = build === undefined ? undefined : watchBuild(ctx, build, pid);
      try {
        for (const statement of step.statements) await conn.unsafe(statement);
      } finally {
        await watcher?.stop();
      }
    });
  } catch (error) {
    // A failed concurrent build leaves an invalid index behind; never keep it.
    if (build !== undefined) await dropIndex(ctx, build).catch(() => undefined);
    throw await explainFailure(ctx.sql, ctx.migration, step, error);
  }
  return true;
}

/**
 * A reserved connection with no lock or statement timeout: concurrent index DDL waits for older
 * transactions by design. On PostgreSQL 14+ it also notices a vanished client (kill -9) and ends the
 * statement, instead of building on with no one to record it while holding SHARE UPDATE EXCLUSIVE.
 */
async function withUntimedConnection<T>(ctx: RunContext, use: (conn: Sql, pid: number) => Promise<T>): Promise<T> {
  const conn = await ctx.sql.reserve();
  try {
    const [row] = await conn.unsafe<{ pid: number }[]>(
      `select pg_backend_pid() as pid, set_config('lock_timeout', '0', false), set_config('statement_timeout', '0', false),
              case when current_setting('server_version_num')::int >= 140000 then set_config('client_connection_check_interval', '1000', false) end`,
    );
    return await use(conn, row?.pid ?? 0);
  } finally {
    await conn.unsafe('reset lock_timeout; reset statement_timeout').catch(() => undefined);
    conn.release();
  }
}

/** Clears the way for a build; false when a valid index with the planned definition is already there. */
async function prepareIndexName(ctx: RunContext, build: IndexBuild): Promise<boolean> {
  const state = classifyIndexName(await readIndex(ctx.sql, build.schema, build.name), build);
  switch (state.kind) {
    case 'free':
      return true;
    case 'built':
      return false;
    case 'invalid-leftover':
      ctx.emit({
        type: 'warning',
        message: `index ${build.name} is INVALID (left by an interrupted or failed build); dropping it concurrently and building it again`,
      });
      await dropIndex(ctx, build);
      return true;
    case 'taken':
      throw new NameTakenError(state.reason);
  }
}

async function dropIndex(ctx: RunContext, build: IndexBuild): Promise<void> {
  await withUntimedConnection(ctx, (conn) => conn.unsafe(`drop index concurrently if exists ${quoteQualified(build)}`));
}

/** Polls the build's progress every second: an event for the renderer, and the worker activity for `status`. */
function watchBuild(ctx: RunContext, build: IndexBuild, pid: number): { stop(): Promise<void> } {
  // Stopping wakes the poll from its sleep: the step ends when its build does, not up to a second later.
  const stopping = new AbortController();
  let last = '';
  const poll = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      await sleep(progressEveryMs, stopping.signal);
      if (stopping.signal.aborted) return;
      try {
        const progress = await readIndexBuildProgress(ctx.sql, pid);
        if (progress === undefined || stopping.signal.aborted) continue;
        ctx.emit({ type: 'index-progress', migration: ctx.migration, index: build.name, ...progress });
        const reason = describeProgress(build.name, progress);
        if (reason !== last) {
          last = reason;
          await ctx.ledger.recordActivity(ctx.migration, {
            state: 'building-index',
            reason,
            since: new Date().toISOString(),
            until: null,
          });
        }
      } catch (error) {
        ctx.emit({ type: 'warning', message: `could not read index build progress: ${errorMessage(error)}` });
      }
    }
  };
  const running = poll();
  return {
    async stop() {
      stopping.abort();
      await running;
      await ctx.ledger.recordActivity(ctx.migration, null).catch(() => undefined);
    },
  };
}
