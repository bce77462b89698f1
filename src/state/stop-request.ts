// Stop requests: `online stop` records one as an event of the migration, from any host; the worker that
// runs it looks for one newer than the moment it started (an event id) and ends at its next batch or
// step boundary. Kept in the events table, so the request is also the audit trail of who stopped it.
import { z } from 'zod';
import type { StopRequester } from '../errors/index.js';
import { stateTable, jsonParam, type Db, type StateStore } from './state-store.js';

export const stopRequestKind = 'stop-requested';

/** Who asked, as the events table keeps it (checked: the row may have been written by another version). */
const stopRequesterSchema = z.object({
  host: z.string(),
  pid: z.number().int(),
  user: z.string(),
  at: z.string(),
}) satisfies z.ZodType<StopRequester>;

/** The newest event id of the migration (0 before any): a run's watermark for stop requests. */
export async function lastEventId(db: Db, store: StateStore, migration: string): Promise<string> {
  const [row] = await db<{ id: string }[]>`
    select coalesce(max(id), 0)::text as id from ${stateTable(db, store, 'events')} where migration = ${migration}`;
  return row?.id ?? '0';
}

export async function recordStopRequest(db: Db, store: StateStore, migration: string, by: StopRequester): Promise<void> {
  await db`insert into ${stateTable(db, store, 'events')} (migration, kind, detail) values (${migration}, ${stopRequestKind}, ${jsonParam(db, by)})`;
}

/** The migration of the newest stop request, if any (`stop` with no name, run again after a stop). */
export async function lastStopRequested(db: Db, store: StateStore): Promise<string | undefined> {
  const [row] = await db<{ migration: string }[]>`
    select migration from ${stateTable(db, store, 'events')} where kind = ${stopRequestKind} order by id desc limit 1`;
  return row?.migration;
}

/** The first stop request recorded after event `afterId`, if any. */
export async function stopRequestAfter(db: Db, store: StateStore, migration: string, afterId: string): Promise<StopRequester | undefined> {
  const [row] = await db<{ detail: unknown }[]>`
    select detail from ${stateTable(db, store, 'events')}
    where migration = ${migration} and kind = ${stopRequestKind} and id > ${afterId}::bigint
    order by id limit 1`;
  if (row === undefined) return undefined;
  const parsed = stopRequesterSchema.safeParse(row.detail);
  // A request of an unknown shape (another version wrote it) still stops the run.
  return parsed.success ? parsed.data : { host: 'unknown host', pid: 0, user: 'unknown user', at: '' };
}
