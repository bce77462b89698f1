// The plans of add-check, set-not-null and add-foreign-key on a partitioned table (exact SQL): each leaf
// validated in a step of its own before the parent, every strong-lock step naming the leaves up front.
import { describe, expect, it } from 'vitest';
import { addCheckSpec, planAddCheck } from '../../src/operations/add-check.js';
import { addForeignKeySpec, planAddForeignKey } from '../../src/operations/add-foreign-key.js';
import { planSetNotNull, setNotNullSpec } from '../../src/operations/set-not-null.js';
import { addNotValidOnLeaves, dropLocalOnLeaves, validateOnLeaves } from '../../src/ddl/partition-constraints.js';

const leaves = [
  { schema: 'public', name: 'events_2025_01' },
  { schema: 'public', name: 'events_default' },
];
const events = { schema: 'public', name: 'events' };
/** A leaf's VALIDATE, skipped when the leaf no longer exists (dropped or renamed since the plan). */
const leafValidate = (leaf: string, constraint: string): string =>
  `do $online$ begin if to_regclass('"public"."${leaf}"') is not null then alter table "public"."${leaf}" validate constraint "${constraint}"; end if; end $online$`;
const leadingLocks = (mode: string): string[] => [
  `lock table only "public"."events" in ${mode} mode`,
  `lock table only "public"."events_2025_01" in ${mode} mode`,
  `lock table only "public"."events_default" in ${mode} mode`,
];

describe('add-check on a partitioned table', () => {
  const spec = addCheckSpec.parse({ op: 'add-check', table: 'events', check: 'amount >= 0', name: 'amount_ok' });
  const plan = planAddCheck(spec, { key: ['id', 'at'], leaves });

  it('adds NOT VALID on the parent with every leaf locked first, validates each leaf, then the parent', () => {
    expect(plan.expand.map((s) => s.statements)).toEqual([
      [...leadingLocks('access exclusive'), `alter table "public"."events" add constraint "amount_ok" check (amount >= 0) not valid`],
    ]);
    expect(plan.contract.map((s) => s.statements)).toEqual([
      [leafValidate('events_2025_01', 'amount_ok')],
      [leafValidate('events_default', 'amount_ok')],
      [`alter table "public"."events" validate constraint "amount_ok"`],
    ]);
    expect(plan.contract.every((s) => s.reversible === true)).toBe(true);
    expect(plan.contract[1]?.explain?.query).toBe(
      `select "id"::text as "id", "at"::text as "at" from "public"."events_default" where not (amount >= 0) limit 5`,
    );
    expect(plan.contract[0]?.locks).toBe('SHARE UPDATE EXCLUSIVE on events_2025_01 only, during its scan: reads and writes continue');
    expect(plan.rollback.map((s) => s.statements)).toEqual([
      [...leadingLocks('access exclusive'), `alter table "public"."events" drop constraint if exists "amount_ok"`],
    ]);
  });

  it('plans a plain table as before: no leading locks, one validation', () => {
    const plain = planAddCheck(spec, { key: ['id'] });
    expect(plain.expand.map((s) => s.statements)).toEqual([
      [`alter table "public"."events" add constraint "amount_ok" check (amount >= 0) not valid`],
    ]);
    expect(plain.contract).toHaveLength(1);
  });
});

describe('set-not-null on a partitioned table', () => {
  it('without backfill: the check on the parent, each leaf validated (dropping the check on a violation), then SET NOT NULL', () => {
    const spec = setNotNullSpec.parse({ op: 'set-not-null', table: 'events', column: 'note' });
    const plan = planSetNotNull(spec, { key: [{ name: 'id', type: 'bigint' }], searchPath: ['public'], leaves });
    const check = plan.contract[1]?.statements[0]?.match(/"(online_snn_[^"]+)"/)?.[1] ?? '';
    expect(check).toMatch(/^online_snn_events_note_/);
    const drop = `alter table "public"."events" drop constraint if exists "${check}"`;
    expect(plan.contract.map((s) => s.statements)).toEqual([
      [
        ...leadingLocks('access exclusive'),
        `alter table "public"."events" drop constraint if exists "${check}", add constraint "${check}" check ("note" is not null) not valid`,
      ],
      [leafValidate('events_2025_01', check)],
      [leafValidate('events_default', check)],
      [`alter table "public"."events" validate constraint "${check}"`],
      [...leadingLocks('access exclusive'), `alter table "public"."events" alter column "note" set not null`, drop],
    ]);
    expect(plan.contract.slice(1, 4).map((s) => s.undoPhaseOnViolation)).toEqual([[drop], [drop], [drop]]);
    expect(plan.rollback[0]?.statements.slice(0, 3)).toEqual(leadingLocks('access exclusive'));
  });
});

describe('add-foreign-key from a partitioned table', () => {
  const spec = addForeignKeySpec.parse({
    op: 'add-foreign-key',
    table: 'events',
    columns: ['account_id'],
    references: { table: 'accounts', columns: ['id'] },
    name: 'events_account_fkey',
  });
  const definition = `foreign key ("account_id") references "public"."accounts" ("id")`;
  const validateLeaf = (leaf: string): string[] => [
    `lock table "public"."${leaf}" in share update exclusive mode`,
    'lock table "public"."accounts" in row share mode',
    leafValidate(leaf, 'events_account_fkey'),
  ];

  it('on 18: NOT VALID on the parent, each leaf validated, then the parent', () => {
    const plan = planAddForeignKey(spec, { referencingIndexed: true, leaves, partitioned: true, notValidOnPartitioned: true });
    expect(plan.expand.map((s) => s.statements)).toEqual([
      [
        'lock table "public"."accounts" in share row exclusive mode',
        ...leadingLocks('share row exclusive'),
        `alter table "public"."events" add constraint "events_account_fkey" ${definition} not valid`,
      ],
    ]);
    expect(plan.contract.map((s) => s.statements)).toEqual([
      validateLeaf('events_2025_01'),
      validateLeaf('events_default'),
      [
        'lock table "public"."events" in share update exclusive mode',
        'lock table "public"."accounts" in row share mode',
        'alter table "public"."events" validate constraint "events_account_fkey"',
      ],
    ]);
  });

  it('before 18: NOT VALID on each leaf, each validated, partitions attached since start caught up, then the parent key attaches them', () => {
    const plan = planAddForeignKey(spec, { referencingIndexed: true, leaves, partitioned: true, notValidOnPartitioned: false });
    const addToLeaves = [
      'lock table "public"."accounts" in share row exclusive mode',
      ...leadingLocks('share row exclusive'),
      addNotValidOnLeaves(events, { name: 'events_account_fkey', definition }),
    ];
    expect(plan.expand.map((s) => s.statements)).toEqual([addToLeaves]);
    expect(plan.contract.map((s) => s.statements)).toEqual([
      validateLeaf('events_2025_01'),
      validateLeaf('events_default'),
      addToLeaves,
      [
        'lock table "public"."events" in share update exclusive mode',
        'lock table "public"."accounts" in row share mode',
        validateOnLeaves(events, 'events_account_fkey'),
      ],
      [
        'lock table "public"."accounts" in access exclusive mode',
        ...leadingLocks('share row exclusive'),
        `alter table "public"."events" add constraint "events_account_fkey" ${definition}`,
      ],
    ]);
    expect(plan.contract.every((s) => s.reversible === true)).toBe(true);
    expect(plan.rollback.map((s) => s.statements)).toEqual([
      [
        'lock table "public"."accounts" in access exclusive mode',
        ...leadingLocks('access exclusive'),
        `alter table "public"."events" drop constraint if exists "events_account_fkey"`,
        dropLocalOnLeaves(events, 'events_account_fkey'),
      ],
    ]);
  });

  it('before 18, a partitioned table without partitions yet: the same path, each step locking the parent (and so any partition) whole', () => {
    const plan = planAddForeignKey(spec, { referencingIndexed: true, leaves: [], partitioned: true, notValidOnPartitioned: false });
    expect(plan.expand.map((s) => s.statements)).toEqual([
      [
        'lock table "public"."accounts" in share row exclusive mode',
        'lock table "public"."events" in share row exclusive mode',
        addNotValidOnLeaves(events, { name: 'events_account_fkey', definition }),
      ],
    ]);
    expect(plan.contract.at(-1)?.statements.at(-1)).toBe(
      `alter table "public"."events" add constraint "events_account_fkey" ${definition}`,
    );
  });

  it('acts on the leaves found when the step runs, names quoted by quote.ts inside dollar quotes', () => {
    expect(addNotValidOnLeaves({ schema: 'a$b', name: 'Ev"ents' }, { name: 'k', definition: 'check (true)' })).toBe(
      [
        'do $online1$',
        'declare leaf regclass;',
        'begin',
        '  for leaf in',
        `    select t.relid::regclass from pg_partition_tree($online$"a$b"."Ev""ents"$online$::regclass) t`,
        `    join pg_class c on c.oid = t.relid where t.isleaf and c.relkind = 'r' and not exists (select from pg_constraint k where k.conrelid = t.relid and k.conname = $online$k$online$) order by t.relid::regclass::text`,
        '  loop',
        `    execute 'alter table ' || leaf || $online$ add constraint "k" check (true) not valid$online$;`,
        '  end loop;',
        'end',
        '$online1$',
      ].join('\n'),
    );
    expect(validateOnLeaves(events, 'k')).toContain('and not k.convalidated)');
    expect(dropLocalOnLeaves(events, 'k')).toContain('and k.coninhcount = 0)');
  });
});
