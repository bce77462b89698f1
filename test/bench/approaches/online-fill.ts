// `online start add-column` run as the built CLI, with the given flags. Only the backfill is timed,
// from the first backfill-start to the last backfill-done event; expand's DDL is not. With
// `asyncCommit`, the database is set to synchronous_commit=off for the run (so the CLI's new
// sessions get it), and its own setting is put back afterwards.
import { withDatabaseSetting } from '../database-setting.js';
import { benchSchema, benchStateSchema, benchTable, type TableShape } from '../bench-table.js';
import { median } from '../median.js';
import { backfillWindow, eventsOf, runOnlineCli } from '../online-cli-run.js';
import { priorityExpression } from '../../support/tickets-fixture.js';
import type { Approach } from './approach.js';

/** How many of the last batches the settled batch size is the median of. */
const settledOver = 20;

export interface OnlineFillOptions {
  readonly flags?: readonly string[];
  readonly table?: TableShape;
  readonly asyncCommit?: boolean;
}

export const addPriorityArgs = [
  'start',
  'add-column',
  '--schema',
  benchSchema,
  '--table',
  benchTable,
  '--column',
  'priority',
  '--type',
  'text',
  '--backfill',
  priorityExpression,
  '--state-schema',
  benchStateSchema,
] as const;

export function onlineFill(id: string, label: string, options: OnlineFillOptions = {}): Approach {
  return {
    id,
    label,
    table: options.table ?? 'uniform',
    triggerFills: true,
    async fill({ sql, databaseUrl }) {
      const cli = () => runOnlineCli(databaseUrl, [...addPriorityArgs, ...(options.flags ?? [])]);
      const run = options.asyncCommit === true ? await withDatabaseSetting(sql, 'synchronous_commit', 'off', cli) : await cli();
      const finished = eventsOf(run, 'finished').at(-1)?.event;
      if (finished?.status !== 'awaiting_contract')
        throw new Error(`online ended as ${String(finished?.status)}, expected awaiting_contract`);
      const rowsDoneByTask = new Map<string, number>();
      for (const { event } of eventsOf(run, 'backfill-done')) rowsDoneByTask.set(String(event.task), Number(event.rowsDone));
      const rowsFilled = [...rowsDoneByTask.values()].reduce((sum, n) => sum + n, 0);
      const recent = eventsOf(run, 'batch')
        .map((e) => Number(e.event.batchSize))
        .slice(-settledOver);
      return {
        window: backfillWindow(run),
        rowsFilled,
        complete: true,
        settledBatchSize: recent.length > 0 ? median(recent) : null,
        trend: null,
        peakRssBytes: run.peakRssBytes,
      };
    },
  };
}
