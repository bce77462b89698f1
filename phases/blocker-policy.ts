// The run's --cancel-blockers-after settings as the lock runner takes them: each action on a blocker,
// and each blocker left alone, is emitted (the CLI prints it, --json carries it) and logged in the
// migration's events table.
import type { CancelBlockersPolicy } from '../src/db/blocker-cancel.js';
import { statementKind } from '../src/sql-grammar/statement-kind.js';
import type { RunContext } from './run-context.js';

export function cancelBlockersPolicy(ctx: RunContext): CancelBlockersPolicy | undefined {
  const { cancelBlockersAfterMs, terminateBlockers, cancelSuperuserBlockers, maxBlockerWrites } = ctx.options;
  if (cancelBlockersAfterMs === null) return undefined;
  return {
    afterMs: cancelBlockersAfterMs,
    terminate: terminateBlockers,
    superusers: cancelSuperuserBlockers,
    maxWrites: maxBlockerWrites,
    classifyQuery: statementKind,
    onAction: async (action) => {
      ctx.emit({ type: 'blocker-cancel', migration: ctx.migration, ...action });
      // The record is for later reading (`history`, the events table); a failure to write it stops nothing.
      await ctx.ledger.logEvent(ctx.migration, `blocker-${action.action}`, { ...action }).catch(() => undefined);
    },
  };
}
