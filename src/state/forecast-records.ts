// The forecasts table: what `online plan` would have said, recorded when the migration starts, so
// `history` can show it beside what really happened.
import type { PlanForecast } from '../forecast/plan-forecast.js';
import { jsonParam, stateTable, type Db, type StateStore } from './state-store.js';

export async function recordForecast(db: Db, store: StateStore, migration: string, forecast: PlanForecast): Promise<void> {
  await db`
    insert into ${stateTable(db, store, 'forecasts')} (migration, forecast) values (${migration}, ${jsonParam(db, forecast)})
    on conflict (migration) do update set forecast = excluded.forecast, recorded_at = now()`;
}

/** Undefined too when the ledger predates the forecasts table (reading history never upgrades it). */
export async function forecastOf(db: Db, store: StateStore, migration: string): Promise<PlanForecast | undefined> {
  const [table] = await db<{ present: boolean }[]>`select to_regclass(${`${store.schema}.forecasts`}) is not null as present`;
  if (table?.present !== true) return undefined;
  const [row] = await db<
    { forecast: PlanForecast }[]
  >`select forecast from ${stateTable(db, store, 'forecasts')} where migration = ${migration}`;
  return row?.forecast;
}
