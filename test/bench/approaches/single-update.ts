// The ceiling: one UPDATE over the whole table in one transaction, with no trigger on it. Every ratio
// in the report is over its rows/s on the uniform table; on the partitioned one it is that table's own
// reference.
import { epochMs } from '../bench-clock.js';
import { benchTable, type TableShape } from '../bench-table.js';
import { priorityExpression } from '../../support/tickets-fixture.js';
import type { Approach } from './approach.js';

export function singleUpdateOn(id: string, label: string, table: TableShape): Approach {
  return {
    id,
    label,
    table,
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
}

export const singleUpdate = singleUpdateOn('update', 'single UPDATE (the ceiling)', 'uniform');
