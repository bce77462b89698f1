// The ceiling: one UPDATE over the whole table in one transaction, with no trigger on it. Every ratio
// in the report is over its rows/s.
import { epochMs } from '../bench-clock.js';
import { benchTable } from '../bench-table.js';
import { priorityExpression } from '../../support/tickets-fixture.js';
import type { Approach } from './approach.js';

export const singleUpdate: Approach = {
  id: 'update',
  label: 'single UPDATE (the ceiling)',
  table: 'uniform',
  triggerFills: false,
  async fill({ sql, rows }) {
    await sql.unsafe(`alter table ${benchTable} add column priority text`);
    const from = epochMs();
    const result = await sql.unsafe(`update ${benchTable} set priority = ${priorityExpression}`);
    const to = epochMs();
    if (result.count !== rows) throw new Error(`single UPDATE touched ${result.count} rows, expected ${rows}`);
    return { window: { from, to }, rowsFilled: result.count, complete: true, settledBatchSize: null, trend: null, peakRssBytes: null };
  },
};
