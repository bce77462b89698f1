import { describe, expect, it } from 'vitest';
import { analyzeStatement, relationText, type StatementAnalysis } from '../../src/forecast/statement-locks.js';

/** `mode on relation`, `(table of index)` when it is the index's table, `+children` when ONLY is absent. */
function locksOf(analysis: StatementAnalysis): string[] {
  return analysis.locks.map(
    (l) =>
      `${l.mode} on ${relationText(l.relation)}${l.target === 'table of index' ? ' (table of index)' : ''}${l.children ? ' +children' : ''}`,
  );
}

async function summary(sql: string): Promise<{ locks: string[]; rewrites: string; scans: string; opaque: boolean }> {
  const a = await analyzeStatement(sql);
  return { locks: locksOf(a), rewrites: a.rewrites.answer, scans: a.scans.answer, opaque: a.opaque };
}

const cases: readonly (readonly [string, readonly string[], string, string])[] = [
  // ALTER TABLE: one level over all subcommands, as AlterTableGetLockLevel decides.
  ['alter table t add column a int', ['access exclusive on "t" +children'], 'no', 'no'],
  ['alter table only t add column a int default 0', ['access exclusive on "t"'], 'no', 'no'],
  ['alter table t add column a timestamptz default now()', ['access exclusive on "t" +children'], 'no', 'no'],
  ['alter table t add column a uuid default gen_random_uuid()', ['access exclusive on "t" +children'], 'yes', 'yes'],
  ['alter table t add column a int default my_function()', ['access exclusive on "t" +children'], 'maybe', 'yes'],
  ['alter table t add column a bigserial', ['access exclusive on "t" +children'], 'yes', 'yes'],
  ['alter table t add column a int generated always as (b + 1) stored', ['access exclusive on "t" +children'], 'yes', 'yes'],
  ['alter table t add column a int not null default 0', ['access exclusive on "t" +children'], 'no', 'yes'],
  ['alter table t drop column a', ['access exclusive on "t" +children'], 'no', 'no'],
  ['alter table t alter column a type bigint', ['access exclusive on "t" +children'], 'maybe', 'maybe'],
  ['alter table t alter column a set not null', ['access exclusive on "t" +children'], 'no', 'maybe'],
  ['alter table t alter column a drop not null', ['access exclusive on "t" +children'], 'no', 'no'],
  ['alter table t alter column a set default 1', ['access exclusive on "t" +children'], 'no', 'no'],
  ['alter table t validate constraint c', ['share update exclusive on "t" +children'], 'no', 'yes'],
  ['alter table t alter column a set statistics 500', ['share update exclusive on "t" +children'], 'no', 'no'],
  ['alter table t cluster on i', ['share update exclusive on "t" +children'], 'no', 'no'],
  ['alter table t set (fillfactor = 70, autovacuum_enabled = off)', ['share update exclusive on "t" +children'], 'no', 'no'],
  ['alter view v set (security_barrier = true)', ['access exclusive on "v" +children'], 'no', 'no'],
  ['alter table t add constraint c check (a > 0) not valid', ['access exclusive on "t" +children'], 'no', 'no'],
  ['alter table t add constraint c check (a > 0)', ['access exclusive on "t" +children'], 'no', 'yes'],
  [
    'alter table s.t add constraint f foreign key (a) references s.r (id) not valid',
    ['share row exclusive on "s"."t" +children', 'share row exclusive on "s"."r" +children'],
    'no',
    'no',
  ],
  [
    'alter table t add constraint f foreign key (a) references r',
    ['share row exclusive on "t" +children', 'share row exclusive on "r" +children'],
    'no',
    'yes',
  ],
  ['alter table t add constraint u unique (a)', ['access exclusive on "t" +children'], 'no', 'yes'],
  ['alter table t add constraint u unique using index i', ['access exclusive on "t" +children'], 'no', 'no'],
  ['alter table t add primary key using index i', ['access exclusive on "t" +children'], 'no', 'maybe'],
  ['alter table t drop constraint c', ['access exclusive on "t" +children'], 'no', 'no'],
  ['alter table t enable trigger all', ['share row exclusive on "t" +children'], 'no', 'no'],
  ['alter table t disable trigger g', ['share row exclusive on "t" +children'], 'no', 'no'],
  ['alter table t set logged', ['access exclusive on "t" +children'], 'yes', 'yes'],
  ['alter table t set tablespace elsewhere', ['access exclusive on "t" +children'], 'yes', 'yes'],
  [
    'alter table t validate constraint c, alter column a set statistics 10, add column b int',
    ['access exclusive on "t" +children'],
    'no',
    'yes',
  ],
  ['alter table p attach partition p1 for values in (1)', ['share update exclusive on "p"', 'access exclusive on "p1"'], 'no', 'maybe'],
  ['alter table p detach partition p1', ['access exclusive on "p"', 'access exclusive on "p1"'], 'no', 'no'],
  ['alter table p detach partition p1 concurrently', ['share update exclusive on "p"', 'access exclusive on "p1"'], 'no', 'no'],
  ['alter table t inherit p', ['access exclusive on "t" +children', 'share update exclusive on "p"'], 'no', 'maybe'],
  // Indexes.
  ['create index i on t (a)', ['share on "t" +children'], 'no', 'yes'],
  ['create index concurrently i on t (a)', ['share update exclusive on "t" +children'], 'no', 'yes'],
  ['create unique index i on only t (a)', ['share on "t"'], 'no', 'yes'],
  ['drop index s.i', ['access exclusive on "s"."i"', 'access exclusive on "s"."i" (table of index)'], 'no', 'no'],
  ['drop index concurrently if exists i', ['access exclusive on "i"', 'share update exclusive on "i" (table of index)'], 'no', 'no'],
  ['reindex index i', ['access exclusive on "i"', 'share on "i" (table of index)'], 'no', 'yes'],
  ['reindex table t', ['share on "t" +children'], 'no', 'yes'],
  ['alter index i rename to j', ['share update exclusive on "i"'], 'no', 'no'],
  // Triggers, renames, comments.
  ['create trigger g before insert on t for each row execute function f()', ['share row exclusive on "t"'], 'no', 'no'],
  ['drop trigger if exists g on s.t', ['access exclusive on "s"."t"'], 'no', 'no'],
  ['alter trigger g on t rename to h', ['access exclusive on "t"'], 'no', 'no'],
  ['alter table t rename to u', ['access exclusive on "t"'], 'no', 'no'],
  ['alter table t rename column a to b', ['access exclusive on "t" +children'], 'no', 'no'],
  ['alter table t rename constraint c to d', ['access exclusive on "t" +children'], 'no', 'no'],
  ['comment on column s.t.a is $$x$$', ['share update exclusive on "s"."t"'], 'no', 'no'],
  ['comment on table t is null', ['share update exclusive on "t"'], 'no', 'no'],
  ['comment on constraint c on t is null', ['share update exclusive on "t"'], 'no', 'no'],
  // LOCK, reads and writes.
  ['lock table only a, b in share mode', ['share on "a"', 'share on "b" +children'], 'no', 'no'],
  ['lock t', ['access exclusive on "t" +children'], 'no', 'no'],
  ['lock table t in row exclusive mode', ['row exclusive on "t" +children'], 'no', 'no'],
  ['select * from t join u on true', ['access share on "t" +children', 'access share on "u" +children'], 'no', 'maybe'],
  ['select * from t join u on true for update of t', ['row share on "t" +children', 'access share on "u" +children'], 'no', 'maybe'],
  ['with x as (select 1) select * from x, s.t for share', ['row share on "s"."t" +children'], 'no', 'maybe'],
  ['update t set a = 1', ['row exclusive on "t" +children'], 'no', 'yes'],
  // A data-modifying WITH writes its own table: a backfill batch that moves its cursor in the same statement.
  [
    'with done as (update t set a = 1 where id < 10 returning id) update c set n = (select count(*) from done)',
    ['row exclusive on "c" +children', 'row exclusive on "t" +children'],
    'no',
    'yes',
  ],
  ['with gone as (delete from only t returning *) select * from gone', ['row exclusive on "t"'], 'no', 'maybe'],
  ['update t set a = u.b from u where u.id = t.id', ['row exclusive on "t" +children', 'access share on "u" +children'], 'no', 'maybe'],
  ['delete from only t where a in (select id from u)', ['row exclusive on "t"', 'access share on "u" +children'], 'no', 'maybe'],
  ['insert into t select * from u', ['row exclusive on "t" +children', 'access share on "u" +children'], 'no', 'no'],
  [
    'merge into t using u on t.a = u.a when matched then delete',
    ['row exclusive on "t" +children', 'access share on "u" +children'],
    'no',
    'maybe',
  ],
  // Table maintenance and creation.
  ['truncate a, only b', ['access exclusive on "a" +children', 'access exclusive on "b"'], 'yes', 'no'],
  ['vacuum t', ['share update exclusive on "t" +children'], 'no', 'yes'],
  ['vacuum (full) t', ['access exclusive on "t" +children'], 'yes', 'yes'],
  ['analyze t', ['share update exclusive on "t" +children'], 'no', 'maybe'],
  ['cluster t using i', ['access exclusive on "t"'], 'yes', 'yes'],
  ['refresh materialized view concurrently m', ['exclusive on "m"'], 'no', 'yes'],
  ['create table c partition of p for values in (2)', ['access exclusive on "p"'], 'no', 'maybe'],
  ['create table c (id int) inherits (p)', ['share update exclusive on "p"'], 'no', 'no'],
  ['create table n (a int references r, like src)', ['share row exclusive on "r"', 'access share on "src"'], 'no', 'no'],
  ['create table n (a int)', [], 'no', 'no'],
  ['create function f() returns int language sql as $$select 1$$', [], 'no', 'no'],
  ['drop table s.t, u', ['access exclusive on "s"."t"', 'access exclusive on "u"'], 'no', 'no'],
  ['alter sequence q restart', ['share row exclusive on "q"'], 'no', 'no'],
];

describe('the statement lock analyzer (exact, from the parse tree)', () => {
  it.each(cases)('%s', async (sql, locks, rewrites, scans) => {
    expect(await summary(sql)).toEqual({ locks, rewrites, scans, opaque: false });
  });

  it('names the strongest subcommands in the reason', async () => {
    const a = await analyzeStatement('alter table t add column b int, alter column a set statistics 10, drop column c');
    expect(a.locks[0]?.reason).toBe('ALTER TABLE … ADD COLUMN, DROP COLUMN');
    expect(a.kind).toBe('ALTER TABLE');
  });

  it('says why a rewrite or scan happens', async () => {
    const a = await analyzeStatement('alter table t add column a uuid default gen_random_uuid()');
    expect(a.rewrites).toEqual({ answer: 'yes', why: 'its default is volatile: stored in every row' });
  });

  it('is opaque about DO blocks, procedures and text it cannot parse', async () => {
    expect(await summary('do $$ begin perform 1; end $$')).toMatchObject({ locks: [], opaque: true });
    expect(await summary('call p()')).toMatchObject({ opaque: true });
    expect(await summary('alter tabel t add column a int')).toMatchObject({ opaque: true });
    expect((await analyzeStatement('select 1; select 2')).kind).toBe('several statements');
  });

  it('notes what only the catalog knows', async () => {
    expect((await analyzeStatement('alter table t drop constraint f')).notes).toEqual([
      'a foreign key also takes ACCESS EXCLUSIVE on its referenced table (the text does not say which)',
    ]);
  });
});
