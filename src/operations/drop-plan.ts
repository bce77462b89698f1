// The plan of a contract-only drop: one locked step, CASCADE when asked, and what else goes named.
import { describeObjects, type DropReach } from '../catalog/dependants.js';
import type { QualifiedName } from '../sql-text/quote.js';
import type { OperationPlan } from '../plan/plan.js';

/** What pre-flight read for a drop: what it takes with it, and the other tables it locks (src/ddl/drop-locks.ts). */
export interface DropFacts extends DropReach {
  readonly alsoLocks: readonly QualifiedName[];
}

/**
 * The one contract step of a drop (drop-column, drop-table): `statement` with CASCADE when asked, the
 * parts that go with it named in the description, and with cascade the dependants named in the
 * description and in a warning. `facts` is what pre-flight read; dependants only with cascade.
 * `lead`: the LOCK TABLE statements that open the step when it locks other tables too.
 */
export function planCascadingDrop(
  subject: string,
  statement: string,
  locks: string,
  cascade: boolean,
  facts: DropReach,
  lead: readonly string[],
): OperationPlan {
  const cascading = cascade && facts.dependants.length > 0;
  const also = [...(cascading ? facts.dependants : []), ...facts.goesWith];
  return {
    expand: [],
    backfill: [],
    contract: [
      {
        description: `drop ${subject}${cascade ? ' cascade' : ''}${also.length === 0 ? '' : ` (also drops ${describeObjects(also)})`}`,
        statements: [...lead, `${statement}${cascade ? ' cascade' : ''}`],
        locks: `${locks}${cascading ? '; also ACCESS EXCLUSIVE on each dropped view and on the tables of dropped foreign keys (both ends)' : ''}`,
      },
    ],
    rollback: [],
    warnings: cascading ? [`dropping ${subject} with cascade also drops ${describeObjects(facts.dependants)}`] : [],
  };
}
