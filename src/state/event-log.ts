// The events table: an append-only log of what happened to each migration (starts, stops, failures).
import { jsonParam, stateTable, type Db, type StateStore } from './state-store.js';

export async function logEvent(db: Db, store: StateStore, migration: string, kind: string, detail: Record<string, unknown> = {}): Promise<void> {
  await db`insert into ${stateTable(db, store, 'events')} (migration, kind, detail) values (${migration}, ${kind}, ${jsonParam(db, detail)})`;
}

export interface LoggedEvent {
  readonly at: Date;
  readonly kind: string;
  readonly detail: Record<string, unknown>;
}

export async function recentEvents(db: Db, store: StateStore, migration: string, limit = 20): Promise<LoggedEvent[]> {
  return db<LoggedEvent[]>`
    select at, kind, detail from ${stateTable(db, store, 'events')}
    where migration = ${migration} order by id desc limit ${limit}`;
}
