// The demo's migration: add a NOT NULL `priority` column to tickets, derived from each ticket's state.
import { parseSpec } from '../migration-spec/load-spec.js';
import type { MigrationSpec } from '../migration-spec/migration-spec.js';

export const priorityColumn = 'priority';

/** What every ticket's priority must equal once the migration is done, as SQL over the row. */
export const priorityExpression = "CASE WHEN escalated THEN 'high' WHEN status IN ('resolved', 'closed') THEN 'low' ELSE 'normal' END";

export function priorityMigration(table: string): MigrationSpec {
  return parseSpec(
    {
      name: `demo-add-${table}-${priorityColumn}`,
      operations: [
        {
          op: 'add-column',
          table,
          column: priorityColumn,
          type: 'text',
          default: "'normal'",
          backfill: priorityExpression,
          nullable: false,
        },
      ],
    },
    '(online demo)',
  );
}
