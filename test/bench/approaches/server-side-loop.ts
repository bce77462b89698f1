// Runs a PL/pgSQL procedure that fills `priority` in batches with a COMMIT after each: batching with no
// client round trip at all, so the best any batched tool can do on one connection. The procedure
// returns the rows it updated through its INOUT parameter.
import { epochMs } from '../bench-clock.js';
import { benchSchema, benchTable } from '../bench-table.js';
import type { FillInput, FillResult } from './approach.js';

/** The batch both loops commit after, as the reference measurement did. */
export const serverLoopBatchRows = 10_000;

/**
 * `body` is the procedure's DECLARE … BEGIN … END; it adds to the INOUT `filled` and COMMITs per batch.
 * `setUp` runs, untimed, after the column is added (e.g. installing triggers).
 */
export async function runServerSideLoop(
  { sql, rows }: FillInput,
  name: string,
  body: string,
  setUp?: () => Promise<void>,
): Promise<FillResult> {
  await sql.unsafe(`alter table ${benchTable} add column priority text`);
  await setUp?.();
  await sql.unsafe(`create procedure ${benchSchema}.${name}(inout filled bigint default 0) language plpgsql as $proc$\n${body}\n$proc$`);
  const from = epochMs();
  // CALL outside any transaction block, so the procedure's COMMITs are allowed.
  const [result] = await sql.unsafe<{ filled: string }[]>(`call ${benchSchema}.${name}()`);
  const to = epochMs();
  const rowsFilled = Number(result?.filled ?? 0);
  if (rowsFilled !== rows) throw new Error(`${name} updated ${rowsFilled} rows, expected ${rows}`);
  return { window: { from, to }, rowsFilled, complete: true, settledBatchSize: null, trend: null, peakRssBytes: null };
}
