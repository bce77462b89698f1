// The pause flag of a migration: set by `online pause` from any host, read by the running worker at
// batch boundaries.
import { stateTable, type Db, type StateStore } from './state-store.js';

export async function setPaused(db: Db, store: StateStore, migration: string, paused: boolean): Promise<void> {
  await db`update ${stateTable(db, store, 'migrations')} set paused = ${paused}, updated_at = now() where name = ${migration}`;
}

export async function isPaused(db: Db, store: StateStore, migration: string): Promise<boolean> {
  const [row] = await db<{ paused: boolean }[]>`select paused from ${stateTable(db, store, 'migrations')} where name = ${migration}`;
  return row?.paused === true;
}
