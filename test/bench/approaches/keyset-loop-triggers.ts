// The keyset loop doing the job online does: the same loop, on a table that carries the fill triggers
// `online start add-column --backfill` installs (planned by the library itself, so they are exactly
// online's). A table with any BEFORE UPDATE row trigger makes PostgreSQL lock each row before it
// updates it, whatever the trigger's WHEN clause says: one more WAL record and buffer change per row.
// Online cannot shed that cost and keep live writers' rows right, so this loop is the reference for
// what online's own client and bookkeeping add.
import { planMigration } from '../../../src/api/start.js';
import { priorityExpression } from '../../support/tickets-fixture.js';
import { benchSchema, benchStateSchema, benchTable } from '../bench-table.js';
import type { Approach } from './approach.js';
import { keysetLoopBody } from './keyset-loop.js';
import { runServerSideLoop } from './server-side-loop.js';

export const keysetLoopWithTriggers: Approach = {
  id: 'keyset-triggers',
  label: 'server-side keyset loop + online’s fill triggers (the same job)',
  table: 'uniform',
  triggerFills: true,
  async fill(input) {
    const plan = await planMigration({
      databaseUrl: input.databaseUrl,
      stateSchema: benchStateSchema,
      spec: {
        name: 'bench-keyset-triggers',
        operations: [
          {
            op: 'add-column',
            schema: benchSchema,
            table: benchTable,
            column: 'priority',
            type: 'text',
            nullable: true,
            backfill: priorityExpression,
          },
        ],
      },
    });
    // Expand adds the column (`if not exists`: the loop added it already) and installs the triggers.
    const installTriggers = async (): Promise<void> => {
      for (const statement of plan.expand.flatMap((step) => step.statements)) await input.sql.unsafe(statement);
    };
    return runServerSideLoop(input, 'bench_keyset_triggers_fill', keysetLoopBody, installTriggers);
  },
};
