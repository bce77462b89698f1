// The Alembic pattern from the seeds: LIMIT/OFFSET batches of 1,000, each its own transaction.
// Batch k skips k·1,000 rows to find its own, so the whole fill is O(n²); it stops starting batches
// when its time budget runs out, and the result is then partial.
//
// As in the seed, a batch reads its page of keys, then updates those rows, then commits. Kinder than the
// seed in two ways: one UPDATE per batch (`id = any(…)`, by the key) instead of one per row, and an
// ORDER BY id with no filter: the seed pages with OFFSET over `WHERE new_column IS NULL` and no ORDER
// BY, which skips rows, since every committed batch shrinks the filtered set under the next OFFSET.
import { epochMs } from '../bench-clock.js';
import { benchTable } from '../bench-table.js';
import { priorityExpression } from '../../support/tickets-fixture.js';
import type { Approach } from './approach.js';
import { batchRateTrend, type TimedBatch } from './batch-rate-trend.js';

const batchSize = 1_000;

export const offsetBatches: Approach = {
  id: 'offset',
  label: 'Alembic LIMIT/OFFSET, 1,000/batch',
  table: 'uniform',
  triggerFills: false,
  async fill({ sql, rows, budgetMs }) {
    await sql.unsafe(`alter table ${benchTable} add column priority text`);
    const page = `select id from ${benchTable} order by id limit ${batchSize} offset $1::bigint`;
    const update = `update ${benchTable} set priority = ${priorityExpression} where id = any($1::bigint[])`;
    const batches: TimedBatch[] = [];
    let rowsFilled = 0;
    const from = epochMs();
    let complete = false;
    while (epochMs() - from < budgetMs) {
      const started = epochMs();
      const count = await sql.begin(async (tx) => {
        const ids = (await tx.unsafe<{ id: string }[]>(page, [rowsFilled])).map((r) => r.id);
        return ids.length === 0 ? 0 : (await tx.unsafe(update, [ids])).count;
      });
      if (count === 0) {
        complete = true;
        break;
      }
      batches.push({ rows: count, ms: epochMs() - started });
      rowsFilled += count;
    }
    const to = epochMs();
    complete ||= rowsFilled === rows;
    if (complete && rowsFilled !== rows) throw new Error(`LIMIT/OFFSET filled ${rowsFilled} rows, expected ${rows}`);
    return { window: { from, to }, rowsFilled, complete, settledBatchSize: null, trend: batchRateTrend(batches), peakRssBytes: null };
  },
};
