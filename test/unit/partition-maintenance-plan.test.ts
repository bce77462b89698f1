import { describe, expect, it } from 'vitest';
import { planAttach, type AttachFacts } from '../../src/operations/partition-attach.js';
import { planCreatePartition } from '../../src/operations/create-partition.js';
import { planDetachPartition, detachPartitionSpec } from '../../src/operations/detach-partition.js';
import { boundSql, parsePartitionBound } from '../../src/sql-grammar/partition-bound.js';
import { excludedByBound, partitionCheck } from '../../src/ddl/partition-check.js';
import { SqlShapeError } from '../../src/errors/index.js';

const statements = (steps: readonly { statements: readonly string[] }[]) => steps.flatMap((s) => s.statements);
const date = [{ name: 'created_at', type: 'date' }];

describe('partition bounds, read by PostgreSQL grammar', () => {
  it.each([
    ["for values from ('2026-01-01') to ('2026-02-01')", "for values from ('2026-01-01') to ('2026-02-01')"],
    ["FOR VALUES FROM ('a''b', MINVALUE) TO (MAXVALUE, maxvalue)", "for values from ('a''b', minvalue) to (maxvalue, maxvalue)"],
    ["for values in ('eu', 'uk', null)", "for values in ('eu', 'uk', null)"],
    ['for values in (-3, 1.5, true, 0)', 'for values in (-3, 1.5, true, 0)'],
    ['for values with (modulus 4, remainder 1)', 'for values with (modulus 4, remainder 1)'],
    ['default', 'default'],
  ])('%s is written back from its tree as %s', async (text, sql) => {
    expect(boundSql(await parsePartitionBound('bound', text))).toBe(sql);
  });

  it.each([
    ['a second statement', 'default; drop table tickets', /it does not parse|more than one statement/],
    ['a comment', 'default -- later', /comments are not allowed/],
    ['another ALTER TABLE command smuggled in', 'default, add column x int', /does not parse/],
    ['a partition of another table', "default, attach partition evil for values in ('x')", /does not parse/],
    ['a value that is an expression', "for values from (now()) to ('2027-01-01')", /must be plain literals/],
    ['a cast', "for values in ('eu'::text)", /must be plain literals/],
    ['no bound at all', 'for values', /does not parse/],
  ])('refuses %s', async (_case, text, message) => {
    const failure = await parsePartitionBound('bound', text).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SqlShapeError);
    expect((failure as Error).message).toMatch(message);
  });
});

describe('the bound as the CHECK PostgreSQL states it', () => {
  const check = async (columns: { name: string; type: string }[], text: string) =>
    partitionCheck({ columns, parentOid: 16384 }, await parsePartitionBound('bound', text));

  it('range, one column: NOT NULL, >= lower, < upper, each value cast to the key type', async () => {
    expect(await check(date, "for values from ('2026-01-01') to ('2026-02-01')")).toBe(
      `"created_at" is not null and "created_at" >= cast('2026-01-01' as date) and "created_at" < cast('2026-02-01' as date)`,
    );
    expect(await check(date, "for values from (minvalue) to ('2026-02-01')")).toBe(
      `"created_at" is not null and "created_at" < cast('2026-02-01' as date)`,
    );
  });

  // Each as pg_get_partition_constraintdef shows PostgreSQL's own (checked on 15 and 17).
  it('range, two columns: lexicographic, equal leading values as =', async () => {
    const key = [
      { name: 'a', type: 'integer' },
      { name: 'b', type: 'integer' },
    ];
    expect(await check(key, 'for values from (1, 10) to (2, 20)')).toBe(
      `"a" is not null and "b" is not null and ("a" > cast(1 as integer) or ("a" = cast(1 as integer) and "b" >= cast(10 as integer))) and ("a" < cast(2 as integer) or ("a" = cast(2 as integer) and "b" < cast(20 as integer)))`,
    );
    expect(await check(key, 'for values from (1, 10) to (1, 20)')).toBe(
      `"a" is not null and "b" is not null and "a" = cast(1 as integer) and "b" >= cast(10 as integer) and "b" < cast(20 as integer)`,
    );
    expect(await check(key, 'for values from (1, minvalue) to (2, maxvalue)')).toBe(
      `"a" is not null and "b" is not null and "a" >= cast(1 as integer) and "a" <= cast(2 as integer)`,
    );
  });

  it('list: = any of the values, NULL allowed only when listed', async () => {
    const region = [{ name: 'region', type: 'text' }];
    expect(await check(region, "for values in ('eu', 'uk')")).toBe(
      `"region" is not null and "region" = any (array[cast('eu' as text), cast('uk' as text)])`,
    );
    expect(await check(region, "for values in ('eu', null)")).toBe(`("region" is null or "region" = cast('eu' as text))`);
    expect(await check(region, 'for values in (null)')).toBe(`"region" is null`);
  });

  it("hash: satisfies_hash_partition with the parent's oid, as PostgreSQL's own constraint", async () => {
    expect(await check([{ name: 'id', type: 'bigint' }], 'for values with (modulus 4, remainder 1)')).toBe(
      `satisfies_hash_partition(16384::oid, 4, 1, "id")`,
    );
  });

  it('default: none of its own', async () => {
    expect(await check(date, 'default')).toBeUndefined();
  });

  it("the default partition's check is the bound negated (NULL keys stay allowed there)", () => {
    expect(excludedByBound('"a" is not null and "a" >= 1')).toBe('not ("a" is not null and "a" >= 1)');
  });
});

describe('attach planning (exact SQL)', () => {
  const facts = async (overrides: Partial<AttachFacts> = {}): Promise<AttachFacts> => ({
    parent: { schema: 'public', name: 'events' },
    partition: { schema: 'public', name: 'events_2026_01' },
    bound: await parsePartitionBound('bound', "for values from ('2026-01-01') to ('2026-02-01')"),
    check: `"created_at" is not null and "created_at" >= cast('2026-01-01' as date) and "created_at" < cast('2026-02-01' as date)`,
    defaultPartition: { schema: 'public', name: 'events_default' },
    indexes: [
      { name: 'events_2026_01_events_pkey', unique: true, body: 'USING btree (id, created_at)', constraint: 'primary key' },
      { name: 'events_2026_01_events_region_idx', unique: false, body: 'USING btree (region)', constraint: undefined },
    ],
    foreignKeys: [{ name: 'events_2026_01_events_ref_id_fkey', definition: 'FOREIGN KEY (ref_id) REFERENCES public.ref(id)' }],
    ...overrides,
  });
  const bound = `"created_at" is not null and "created_at" >= cast('2026-01-01' as date) and "created_at" < cast('2026-02-01' as date)`;

  it('expand: checks on the default partition and the table, indexes concurrently, foreign keys NOT VALID then validated', async () => {
    const { expand } = planAttach(await facts());
    expect(statements(expand)).toEqual([
      `alter table "public"."events_default" add constraint "events_default_online_not_events_2026_01" check (not (${bound})) not valid`,
      `alter table "public"."events_default" validate constraint "events_default_online_not_events_2026_01"`,
      `alter table "public"."events_2026_01" add constraint "events_2026_01_online_bound" check (${bound}) not valid`,
      `alter table "public"."events_2026_01" validate constraint "events_2026_01_online_bound"`,
      `create unique index concurrently "events_2026_01_events_pkey" on "public"."events_2026_01" USING btree (id, created_at)`,
      `alter table "public"."events_2026_01" add constraint "events_2026_01_events_pkey" primary key using index "events_2026_01_events_pkey"`,
      `create index concurrently "events_2026_01_events_region_idx" on "public"."events_2026_01" USING btree (region)`,
      `alter table "public"."events_2026_01" add constraint "events_2026_01_events_ref_id_fkey" FOREIGN KEY (ref_id) REFERENCES public.ref(id) not valid`,
      `alter table "public"."events_2026_01" validate constraint "events_2026_01_events_ref_id_fkey"`,
    ]);
    expect(expand.filter((s) => s.kind === 'concurrent').map((s) => s.buildsIndex?.definition)).toEqual([
      'UNIQUE USING btree (id, created_at)',
      'USING btree (region)',
    ]);
  });

  it('contract: the attach and the helper checks dropped, in one transaction, reversible', async () => {
    const { attach } = planAttach(await facts());
    expect(attach.kind).toBeUndefined();
    expect(attach.reversible).toBe(true);
    expect(attach.statements).toEqual([
      `alter table "public"."events" attach partition "public"."events_2026_01" for values from ('2026-01-01') to ('2026-02-01')`,
      `alter table "public"."events_default" drop constraint if exists "events_default_online_not_events_2026_01"`,
      `alter table "public"."events_2026_01" drop constraint if exists "events_2026_01_online_bound"`,
    ]);
  });

  it('rollback: detach when attached, then undo expand in reverse, every statement safe twice', async () => {
    const { rollback } = planAttach(await facts());
    expect(statements(rollback)).toEqual([
      `do $online$ begin if exists (select 1 from pg_inherits where inhrelid = to_regclass('"public"."events_2026_01"') and inhparent = to_regclass('"public"."events"')) then alter table "public"."events" detach partition "public"."events_2026_01"; end if; end $online$`,
      `alter table "public"."events_2026_01" drop constraint if exists "events_2026_01_events_ref_id_fkey"`,
      `drop index if exists "public"."events_2026_01_events_region_idx"`,
      `alter table "public"."events_2026_01" drop constraint if exists "events_2026_01_events_pkey"`,
      `drop index if exists "public"."events_2026_01_events_pkey"`,
      `alter table "public"."events_2026_01" drop constraint if exists "events_2026_01_online_bound"`,
      `alter table "public"."events_default" drop constraint if exists "events_default_online_not_events_2026_01"`,
    ]);
  });

  it('without a default partition or a derivable check, the attach scans and says so', async () => {
    const { expand, attach } = planAttach(await facts({ check: undefined, defaultPartition: undefined, indexes: [], foreignKeys: [] }));
    expect(expand).toEqual([]);
    expect(attach.statements).toHaveLength(1);
    expect(attach.locks).toMatch(/events_2026_01 is scanned under it/);
  });
});

describe('create-partition planning (exact SQL)', () => {
  it('creates the table LIKE the parent first, attaches in contract past the point of no return, drops it on rollback', async () => {
    const plan = planCreatePartition(
      {
        parent: { schema: 'public', name: 'events' },
        partition: { schema: 'public', name: 'events_2026_02' },
        bound: await parsePartitionBound('bound', "for values from ('2026-02-01') to ('2026-03-01')"),
        check: '"created_at" is not null',
        defaultPartition: undefined,
        indexes: [],
        foreignKeys: [],
      },
      [],
    );
    expect(plan.expand[0]?.statements).toEqual([
      `create table "public"."events_2026_02" (like "public"."events" including defaults including constraints including generated including storage including comments)`,
    ]);
    expect(plan.contract[0]?.reversible).toBe(false);
    expect(statements(plan.rollback)).toEqual([
      `alter table "public"."events_2026_02" drop constraint if exists "events_2026_02_online_bound"`,
      `drop table if exists "public"."events_2026_02"`,
    ]);
  });
});

describe('detach planning (exact SQL)', () => {
  const spec = detachPartitionSpec.parse({ op: 'detach-partition', table: 'events', partition: 'events_2025_01' });
  const pending = `select 1 from pg_inherits where inhrelid = to_regclass('"public"."events_2025_01"') and inhparent = to_regclass('"public"."events"')`;

  it('concurrently, done once pending or detached, then FINALIZE only if a detach is pending', () => {
    const plan = planDetachPartition(spec, { hasDefault: false, pending: false });
    expect(plan.expand).toEqual([]);
    expect(plan.rollback).toEqual([]);
    expect(plan.contract.map((s) => s.kind)).toEqual(['concurrent', undefined]);
    expect(statements(plan.contract)).toEqual([
      `alter table "public"."events" detach partition "public"."events_2025_01" concurrently`,
      `do $online$ begin if exists (${pending} and inhdetachpending) then alter table "public"."events" detach partition "public"."events_2025_01" finalize; end if; end $online$`,
    ]);
    expect(plan.contract[0]?.doneWhen).toBe(`select not exists (${pending} and not inhdetachpending) as done`);
  });

  it('a detach already pending: only FINALIZE', () => {
    const plan = planDetachPartition(spec, { hasDefault: false, pending: true });
    expect(plan.contract).toHaveLength(1);
    expect(plan.contract[0]?.statements[0]).toMatch(/ finalize; end if; end \$online\$$/);
  });

  it('with a default partition (PostgreSQL refuses CONCURRENTLY): a plain DETACH under lock_timeout', () => {
    const plan = planDetachPartition(spec, { hasDefault: true, pending: false });
    expect(plan.contract.map((s) => [s.kind, s.statements])).toEqual([
      [undefined, [`alter table "public"."events" detach partition "public"."events_2025_01"`]],
    ]);
  });
});
