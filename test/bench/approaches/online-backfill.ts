// (d) and (e): `online start` through the library with the given run options. Only the backfill is
// timed, from the first backfill-start to the last backfill-done event; expand's DDL is not.
import { parseSpec, startMigration, type OnlineEvent, type RunOptionsInput } from '../../../src/index.js';
import { epochMs } from '../bench-clock.js';
import { benchSchema, benchStateSchema, benchTable } from '../bench-table.js';
import { median } from '../median.js';
import { priorityExpression } from '../../support/tickets-fixture.js';
import type { Approach } from './approach.js';

/** How many of the last batches the settled batch size is the median of. */
const settledOver = 20;

function prioritySpec() {
  return parseSpec(
    {
      name: 'bench-ticket-priority',
      operations: [
        {
          op: 'add-column',
          schema: benchSchema,
          table: benchTable,
          column: 'priority',
          type: 'text',
          backfill: priorityExpression,
          nullable: true,
        },
      ],
    },
    'backfill-bench',
  );
}

export function onlineBackfill(id: string, label: string, options: RunOptionsInput): Approach {
  return {
    id,
    label,
    triggerFills: true,
    async fill({ databaseUrl }) {
      let from: number | undefined;
      let to: number | undefined;
      const rowsDoneByTask = new Map<string, number>();
      const batchSizes: number[] = [];
      const onEvent = (event: OnlineEvent): void => {
        if (event.type === 'backfill-start') from ??= epochMs();
        if (event.type === 'batch') batchSizes.push(event.batchSize);
        if (event.type === 'backfill-done') {
          to = epochMs();
          rowsDoneByTask.set(event.task, event.rowsDone);
        }
      };
      const result = await startMigration({ databaseUrl, stateSchema: benchStateSchema, spec: prioritySpec(), options, onEvent });
      if (result.status !== 'awaiting_contract') throw new Error(`online ended as ${result.status}, expected awaiting_contract`);
      if (from === undefined || to === undefined) throw new Error('the migration emitted no backfill-start/backfill-done pair');
      const rowsFilled = [...rowsDoneByTask.values()].reduce((sum, n) => sum + n, 0);
      const recent = batchSizes.slice(-settledOver);
      return { window: { from, to }, rowsFilled, complete: true, settledBatchSize: recent.length > 0 ? median(recent) : null, trend: null };
    },
  };
}
