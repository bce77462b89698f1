// The events table: an append-only log of what happened to each migration (starts, stops, failures).
import { jsonParam, stateTable, type Db, type StateStore } from './state-store.js';

export async function logEvent(
  db: Db,
  store: StateStore,
  migration: string,
  kind: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await db`insert into ${stateTable(db, store, 'events')} (migration, kind, detail) values (${migration}, ${kind}, ${jsonParam(db, detail)})`;
}
