// create-index and add-unique on a partitioned table: the exact SQL of every step, in order.
import { describe, expect, it } from 'vitest';
import type { PartitionInfo } from '../../src/catalog/leaf-partitions.js';
import { partitionIndexName, requireLeaves } from '../../src/ddl/partitioned-index.js';
import { addUniqueSpec, planPartitionedAddUnique } from '../../src/operations/add-unique.js';
import { createIndexSpec, planPartitionedCreateIndex } from '../../src/operations/create-index.js';
import { dropIndexSpec, planDropPartitionedIndex } from '../../src/operations/drop-index.js';

const ev = { schema: 'public', name: 'ev' };
const partition = (name: string, kind: PartitionInfo['kind'], parent = ev, level = 1): PartitionInfo => ({
  schema: 'public',
  name,
  parent,
  level,
  kind,
  bound: '',
  isDefault: false,
  detachPending: false,
});
/** ev: ev_01, ev_02 (by hash: ev_02a, ev_02b), ev_def, in listPartitions' order. */
const tree: PartitionInfo[] = [
  partition('ev_01', 'r'),
  partition('ev_02', 'p'),
  partition('ev_def', 'r'),
  partition('ev_02a', 'r', { schema: 'public', name: 'ev_02' }, 2),
  partition('ev_02b', 'r', { schema: 'public', name: 'ev_02' }, 2),
];

const statements = (steps: readonly { statements: readonly string[] }[]): string[] => steps.flatMap((s) => s.statements);

describe('partition index names', () => {
  it('are <partition>_<index>, cut with a hash within 63 bytes', () => {
    expect(partitionIndexName('ev_01', 'ev_v_idx')).toBe('ev_01_ev_v_idx');
    const long = partitionIndexName('events_partition_for_the_month_2026_01', 'events_created_at_account_idx');
    expect(Buffer.byteLength(long)).toBe(63);
    expect(long).toMatch(/^events_partition_for_the_month_2026_01_events_create_[0-9a-f]{10}$/);
    expect(partitionIndexName('events_partition_for_the_month_2026_02', 'events_created_at_account_idx')).not.toBe(long);
  });
});

describe('create-index on a partitioned table (exact SQL)', () => {
  const spec = createIndexSpec.parse({ op: 'create-index', table: 'ev', columns: ['v'] });

  it('ON ONLY on the table and each sub-partitioned partition, one concurrent build per leaf, attaches deepest first, then a validity check', () => {
    const plan = planPartitionedCreateIndex(spec, 'USING btree (v)', tree);
    expect(plan.expand.map((s) => s.kind ?? 'locked')).toEqual([
      'locked',
      'locked',
      'concurrent',
      'concurrent',
      'concurrent',
      'concurrent',
      'locked',
      'locked',
      'locked',
      'locked',
      'locked',
      'locked',
    ]);
    expect(statements(plan.expand).slice(0, 11)).toEqual([
      'create index if not exists "ev_v_idx" on only "public"."ev" using btree ("v")',
      'create index if not exists "ev_02_ev_v_idx" on only "public"."ev_02" using btree ("v")',
      'create index concurrently "ev_01_ev_v_idx" on "public"."ev_01" using btree ("v")',
      'create index concurrently "ev_def_ev_v_idx" on "public"."ev_def" using btree ("v")',
      'create index concurrently "ev_02a_ev_v_idx" on "public"."ev_02a" using btree ("v")',
      'create index concurrently "ev_02b_ev_v_idx" on "public"."ev_02b" using btree ("v")',
      'alter index "public"."ev_02_ev_v_idx" attach partition "public"."ev_02a_ev_v_idx"',
      'alter index "public"."ev_02_ev_v_idx" attach partition "public"."ev_02b_ev_v_idx"',
      'alter index "public"."ev_v_idx" attach partition "public"."ev_01_ev_v_idx"',
      'alter index "public"."ev_v_idx" attach partition "public"."ev_02_ev_v_idx"',
      'alter index "public"."ev_v_idx" attach partition "public"."ev_def_ev_v_idx"',
    ]);
    expect(plan.expand[11]?.statements[0]).toContain(
      'if not coalesce((select indisvalid from pg_index where indexrelid = to_regclass($online$"public"."ev_v_idx"$online$)), false) then',
    );
    // Only the leaves' builds repair invalid leftovers: never the ON ONLY indexes, invalid by design.
    expect(plan.expand.flatMap((s) => (s.buildsIndex === undefined ? [] : [s.buildsIndex]))).toEqual(
      ['ev_01', 'ev_def', 'ev_02a', 'ev_02b'].map((leaf) => ({
        schema: 'public',
        name: `${leaf}_ev_v_idx`,
        table: { schema: 'public', name: leaf },
        definition: 'USING btree (v)',
      })),
    );
    expect(plan.expand[0]?.locks).toMatch(/^SHARE on the partitioned table/);
    expect(statements(plan.rollback)).toEqual([
      'lock table only "public"."ev" in access exclusive mode',
      ...['ev_01', 'ev_02', 'ev_def', 'ev_02a', 'ev_02b'].map((p) => `lock table only "public"."${p}" in access exclusive mode`),
      'drop index if exists "public"."ev_v_idx", "public"."ev_02_ev_v_idx"',
      'drop index concurrently if exists "public"."ev_01_ev_v_idx"',
      'drop index concurrently if exists "public"."ev_def_ev_v_idx"',
      'drop index concurrently if exists "public"."ev_02a_ev_v_idx"',
      'drop index concurrently if exists "public"."ev_02b_ev_v_idx"',
    ]);
    expect(plan.rollback[0]?.locks).toMatch(/^ACCESS EXCLUSIVE on the partitioned table, every partition/);
  });

  it('a unique index explains duplicates from the leaf that failed', () => {
    const unique = createIndexSpec.parse({ op: 'create-index', table: 'ev', columns: ['id', 'created'], unique: true });
    const plan = planPartitionedCreateIndex(unique, 'UNIQUE USING btree (id, created)', tree);
    expect(plan.expand[0]?.statements).toEqual([
      'create unique index if not exists "ev_id_created_idx" on only "public"."ev" using btree ("id", "created")',
    ]);
    expect(plan.expand[2]).toMatchObject({
      statements: ['create unique index concurrently "ev_01_ev_id_created_idx" on "public"."ev_01" using btree ("id", "created")'],
      explain: {
        kind: 'duplicates',
        query:
          'select "id"::text as k0, "created"::text as k1, count(*) as count from "public"."ev_01" where "id" is not null and "created" is not null group by "id", "created" having count(*) > 1 order by count(*) desc limit 5',
      },
    });
  });

  it('an index already there, valid and the same, is only checked, and rollback keeps it', () => {
    const plan = planPartitionedCreateIndex(spec, 'USING btree (v)', tree, true);
    expect(plan.expand.map((s) => s.description)).toEqual(['check that index ev_v_idx is valid']);
    expect(plan.rollback).toEqual([]);
  });
});

describe('add-unique on a partitioned table (exact SQL)', () => {
  it('builds per leaf in expand; contract: each leaf its constraint, each sub-partitioned partition, then the table', () => {
    const spec = addUniqueSpec.parse({ op: 'add-unique', table: 'ev', columns: ['id', 'created'] });
    const plan = planPartitionedAddUnique(spec, 'UNIQUE USING btree (id, created)', tree, 170000);
    expect(statements(plan.expand)).toEqual([
      'create unique index concurrently "ev_01_ev_id_created_key" on "public"."ev_01" using btree ("id", "created")',
      'create unique index concurrently "ev_def_ev_id_created_key" on "public"."ev_def" using btree ("id", "created")',
      'create unique index concurrently "ev_02a_ev_id_created_key" on "public"."ev_02a" using btree ("id", "created")',
      'create unique index concurrently "ev_02b_ev_id_created_key" on "public"."ev_02b" using btree ("id", "created")',
    ]);
    expect(plan.expand[0]?.explain?.query).toContain('from "public"."ev_01"');
    expect(statements(plan.contract)).toEqual([
      'alter table "public"."ev_01" add constraint "ev_01_ev_id_created_key" unique using index "ev_01_ev_id_created_key"',
      'alter table "public"."ev_def" add constraint "ev_def_ev_id_created_key" unique using index "ev_def_ev_id_created_key"',
      'alter table "public"."ev_02a" add constraint "ev_02a_ev_id_created_key" unique using index "ev_02a_ev_id_created_key"',
      'alter table "public"."ev_02b" add constraint "ev_02b_ev_id_created_key" unique using index "ev_02b_ev_id_created_key"',
      'lock table only "public"."ev_02" in access exclusive mode',
      'lock table only "public"."ev_02a" in share mode',
      'lock table only "public"."ev_02b" in share mode',
      requireLeaves({ schema: 'public', name: 'ev_02' }, [tree[3]!, tree[4]!]),
      'alter table "public"."ev_02" add constraint "ev_02_ev_id_created_key" unique ("id", "created")',
      'lock table only "public"."ev" in access exclusive mode',
      ...['ev_01', 'ev_02', 'ev_def', 'ev_02a', 'ev_02b'].map((p) => `lock table only "public"."${p}" in share mode`),
      requireLeaves(ev, [tree[0]!, tree[2]!, tree[3]!, tree[4]!]),
      'alter table "public"."ev" add constraint "ev_id_created_key" unique ("id", "created")',
      expect.stringContaining('$online$"public"."ev_id_created_key"$online$') as unknown as string,
    ]);
    expect(requireLeaves(ev, [tree[0]!])).toContain(
      `from pg_partition_tree($online$"public"."ev"$online$::regclass)\n    where isleaf and relid <> all (array_remove(array[to_regclass($online$"public"."ev_01"$online$)]::regclass[], null));`,
    );
    expect(statements(plan.rollback)).toEqual([
      'drop index concurrently if exists "public"."ev_01_ev_id_created_key"',
      'drop index concurrently if exists "public"."ev_def_ev_id_created_key"',
      'drop index concurrently if exists "public"."ev_02a_ev_id_created_key"',
      'drop index concurrently if exists "public"."ev_02b_ev_id_created_key"',
    ]);
  });
});

describe('drop-index of a partitioned index (exact SQL)', () => {
  it("locks the table, then each partition, then drops it with its partitions' indexes, in contract", () => {
    const spec = dropIndexSpec.parse({ op: 'drop-index', table: 'ev', name: 'ev_v_idx' });
    const plan = planDropPartitionedIndex(spec, tree);
    expect(plan.expand).toEqual([]);
    expect(plan.contract.map((s) => s.kind ?? 'locked')).toEqual(['locked']);
    expect(statements(plan.contract)).toEqual([
      'lock table only "public"."ev" in access exclusive mode',
      ...['ev_01', 'ev_02', 'ev_def', 'ev_02a', 'ev_02b'].map((p) => `lock table only "public"."${p}" in access exclusive mode`),
      'drop index if exists "public"."ev_v_idx"',
    ]);
  });
});

describe('add-unique on a partitioned table, PostgreSQL 18', () => {
  it('takes ACCESS EXCLUSIVE on the partitions up front, as its ADD CONSTRAINT does there', () => {
    const spec = addUniqueSpec.parse({ op: 'add-unique', table: 'ev', columns: ['id', 'created'] });
    const root = planPartitionedAddUnique(spec, 'UNIQUE USING btree (id, created)', tree, 180000).contract.at(-2);
    expect(root?.statements.slice(0, 3)).toEqual([
      'lock table only "public"."ev" in access exclusive mode',
      'lock table only "public"."ev_01" in access exclusive mode',
      'lock table only "public"."ev_02" in access exclusive mode',
    ]);
    expect(root?.locks).toMatch(/^ACCESS EXCLUSIVE on this table and ACCESS EXCLUSIVE on each of its partitions/);
  });
});
