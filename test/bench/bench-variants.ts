// The compared ways to fill `priority` on a seeded table; each returns the seconds its fill took.
import type postgres from 'postgres';
import { parseSpec, startMigration, type OnlineEvent } from '../../src/index.js';
import { priorityExpression } from '../support/tickets-fixture.js';
import { benchSchema, benchStateSchema } from './bench-table.js';

export interface RunInput {
  /** Setup connection, search_path on the bench schema. */
  readonly sql: postgres.Sql;
  readonly databaseUrl: string;
  readonly rows: number;
}

export interface BenchVariant {
  readonly id: string;
  readonly label: string;
  run(input: RunInput): Promise<number>;
}

/** The baseline: one UPDATE over the whole table, in one transaction, with no trigger on it. */
export const singleUpdate: BenchVariant = {
  id: 'single-update',
  label: 'single UPDATE',
  async run({ sql, rows }) {
    await sql.unsafe('alter table tickets add column priority text');
    const started = performance.now();
    const result = await sql.unsafe(`update tickets set priority = ${priorityExpression}`);
    const seconds = (performance.now() - started) / 1000;
    if (result.count !== rows) throw new Error(`single UPDATE touched ${result.count} rows, expected ${rows}`);
    return seconds;
  },
};

/** `online start` through the library; only the backfill phase is timed, from its start to its done event. */
export function onlineBackfill(batchSize: number): BenchVariant {
  return {
    id: `online-${batchSize}`,
    label: `online backfill, ${batchSize} rows/batch`,
    async run({ databaseUrl, rows }) {
      const spec = parseSpec(
        {
          name: 'bench-ticket-priority',
          operations: [{ op: 'add-column', schema: benchSchema, table: 'tickets', column: 'priority', type: 'text', backfill: priorityExpression, nullable: true }],
        },
        'backfill-bench',
      );
      let startedAt: number | undefined;
      let doneAt: number | undefined;
      let rowsDone = 0;
      const onEvent = (event: OnlineEvent): void => {
        if (event.type === 'backfill-start') startedAt = performance.now();
        if (event.type === 'backfill-done') {
          doneAt = performance.now();
          rowsDone = event.rowsDone;
        }
      };
      await startMigration({ databaseUrl, stateSchema: benchStateSchema, spec, options: { batchSize }, onEvent });
      if (startedAt === undefined || doneAt === undefined) throw new Error('the migration emitted no backfill-start/backfill-done pair');
      if (rowsDone !== rows) throw new Error(`online backfill counted ${rowsDone} rows, expected ${rows}`);
      return (doneAt - startedAt) / 1000;
    },
  };
}
