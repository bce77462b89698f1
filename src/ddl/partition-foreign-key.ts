// A foreign key from a partitioned table on PostgreSQL before 18, which refuses NOT VALID on the
// partitioned table itself but not on its partitions. Expand adds it NOT VALID to each leaf; contract
// validates each leaf's copy (SHARE UPDATE EXCLUSIVE on that leaf, ROW SHARE on the referenced table),
// then adds the key to the parent valid: PostgreSQL attaches every leaf's validated copy instead of
// scanning (it checked nothing: verified with a row no copy would accept, README "Constraints on
// partitioned tables"). Partitions that arrived since start get their copy and its validation in two
// catch-up steps first, so the parent's step never scans under its lock.
import type { PlannedStep, ViolationProbe } from '../plan/plan.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { lockTablesFirst } from './lock-tables-first.js';
import { dropConstraintIfExists, type ConstraintDefinition } from './not-valid-constraint.js';
import { addNotValidOnLeaves, dropLocalOnLeaves, leafValidationSteps, validateOnLeaves } from './partition-constraints.js';
import { partitionLocksFirst } from './partition-locks.js';
import type { LockMode } from '../db/lock-modes.js';

export interface PartitionForeignKey {
  readonly referencing: QualifiedName;
  readonly referenced: QualifiedName;
  /** The key's name and its `foreign key (…) references … (…)[ on …]` definition. */
  readonly constraint: ConstraintDefinition;
  readonly leaves: readonly QualifiedName[];
  /** The orphan rows of a table under `referencing` (a leaf, or the parent for all of them). */
  readonly orphans: (table: QualifiedName) => ViolationProbe;
}

export interface PartitionForeignKeySteps {
  readonly expand: PlannedStep[];
  readonly contract: PlannedStep[];
  readonly rollback: PlannedStep[];
}

export function partitionForeignKeySteps(fk: PartitionForeignKey): PartitionForeignKeySteps {
  const { referencing, referenced, constraint, leaves } = fk;
  const { name } = constraint;
  const ref = referenced.name;
  // The referenced table first (the order applications lock them in), then the parent and its leaves.
  const referencedFirst = (referencedMode: LockMode, mode: LockMode): string[] =>
    leaves.length === 0
      ? lockTablesFirst([
          { table: referenced, mode: referencedMode },
          { table: referencing, mode },
        ])
      : [...lockTablesFirst([{ table: referenced, mode: referencedMode }], 1), ...partitionLocksFirst(referencing, leaves, mode)];
  const addToLeaves = (which: string): PlannedStep => ({
    description: `add foreign key ${name} not valid to ${which} (PostgreSQL before 18 refuses NOT VALID on ${referencing.name} itself)`,
    statements: [...referencedFirst('share row exclusive', 'share row exclusive'), addNotValidOnLeaves(referencing, constraint)],
    locks: `SHARE ROW EXCLUSIVE on ${ref} and on ${referencing.name} and each of its partitions for milliseconds (no scan): writes wait, reads continue`,
  });
  const validateFirst = (leaf: QualifiedName): string[] =>
    lockTablesFirst([
      { table: leaf, mode: 'share update exclusive' },
      { table: referenced, mode: 'row share' },
    ]);
  return {
    expand: [addToLeaves('each partition of ' + referencing.name)],
    contract: [
      ...leafValidationSteps(leaves, {
        what: `foreign key ${name}`,
        name,
        locksFirst: validateFirst,
        locks: (leaf) => `SHARE UPDATE EXCLUSIVE on ${leaf.name} and ROW SHARE on ${ref} during its scan: reads and writes continue`,
        explain: fk.orphans,
      }),
      { ...addToLeaves(`partitions attached since start, if any`), reversible: true },
      {
        description: `validate foreign key ${name} on partitions attached since start, if any`,
        statements: [...validateFirst(referencing), validateOnLeaves(referencing, name)],
        locks: `SHARE UPDATE EXCLUSIVE on ${referencing.name} and its partitions and ROW SHARE on ${ref}: reads and writes continue`,
        reversible: true,
        explain: fk.orphans(referencing),
      },
      {
        description: `add foreign key ${name} to ${referencing.name}: it attaches each partition's validated copy (no scan)`,
        statements: [
          ...referencedFirst('access exclusive', 'share row exclusive'),
          `alter table ${quoteQualified(referencing)} add constraint ${quoteIdent(name)} ${constraint.definition}`,
        ],
        locks: `ACCESS EXCLUSIVE on ${ref} (its copies' triggers are replaced by the parent's) and SHARE ROW EXCLUSIVE on ${referencing.name} and each of its partitions, for milliseconds: catalog only`,
        reversible: true,
      },
    ],
    rollback: [
      {
        description: `drop foreign key ${name} from ${referencing.name} and each of its partitions`,
        statements: [
          ...referencedFirst('access exclusive', 'access exclusive'),
          dropConstraintIfExists(referencing, name),
          dropLocalOnLeaves(referencing, name),
        ],
        locks: `ACCESS EXCLUSIVE on ${ref} and on ${referencing.name} and each of its partitions, for milliseconds`,
      },
    ],
  };
}
