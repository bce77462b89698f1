// The lock analyzer (src/forecast/statement-locks.ts) against PostgreSQL itself: each statement runs in
// a transaction that is rolled back, and the locks its backend holds (pg_locks) must be exactly the
// modes the analyzer names, on the relations it names; any other user table locked must be a child the
// analyzer said it recurses into. (CONCURRENTLY forms cannot run in a transaction: not checked here.)
import { beforeAll, describe, expect, it } from 'vitest';
import { lockModes, strongerMode, type LockMode } from '../../src/db/lock-modes.js';
import { analyzeStatement, relationText } from '../../src/forecast/statement-locks.js';
import { useTestDatabase } from '../support/test-database.js';

const statements = [
  'alter table t add column c int',
  'alter table t add column c uuid default gen_random_uuid()',
  'alter table t alter column b type varchar(20)',
  'alter table t alter column a set not null',
  'alter table t validate constraint t_pos',
  'alter table t validate constraint t_r',
  'alter table t alter column a set statistics 500',
  'alter table t set (fillfactor = 70)',
  'alter table t add constraint t_neg check (a < 0) not valid',
  'alter table t add constraint t_u foreign key (u_id) references u not valid',
  'alter table t drop constraint t_pos',
  'alter table t drop constraint t_r',
  'alter table t enable trigger all',
  'alter table t cluster on t_b',
  'alter table p add column c int',
  'alter table p attach partition p9 for values in (9)',
  'alter table p detach partition p1',
  'create index t_a on t (a)',
  'create index p_k on p (k)',
  'drop index t_b',
  'reindex index t_b',
  'reindex table u',
  'alter index t_b rename to t_b2',
  'create trigger h after update on t for each row execute function f()',
  'drop trigger g on t',
  'alter table t rename column b to bb',
  'alter table t rename constraint t_pos to t_pos2',
  'alter table t rename to tt',
  'comment on column t.a is $$x$$',
  'comment on table t is null',
  'lock table p in share mode',
  'lock table only p in exclusive mode',
  'select * from t join u on true for update of t',
  'update t set a = u.id from u where u.id = t.id',
  'delete from t where a in (select id from u)',
  'insert into t (id) select id + 100 from u',
  'truncate u',
  'cluster t using t_pkey',
  'refresh materialized view m',
  'create table p2 partition of p for values in (2)',
  'create table n (a int references r)',
  'drop table u',
];

/** Tables the text does not name, which the analyzer's notes mention. */
const unnamed: Readonly<Record<string, readonly string[]>> = {
  'alter table t validate constraint t_r': ['r row share'],
  'alter table t drop constraint t_r': ['r access exclusive'],
  'refresh materialized view m': ['r access share'],
};

interface Observed {
  /** The strongest mode per relation oid. */
  readonly oids: Map<number, LockMode>;
  /** Tables (not indexes) by oid, as regclass prints them. */
  readonly tables: Map<number, string>;
  readonly children: Map<number, number[]>;
  /** A relation's oid from its name, or its index's table's. */
  readonly resolve: (text: string, ofIndex: boolean) => number;
}

describe('the lock analyzer agrees with pg_locks', () => {
  const db = useTestDatabase('statement_locks');
  beforeAll(async () => {
    await db.sql.unsafe(`
      create table r (id int primary key);
      create table u (id int primary key, b text);
      create table t (id int primary key, a int, b text, r_id int, u_id int);
      create index t_b on t (b);
      create table p (id int, k int) partition by list (k);
      create table p1 partition of p for values in (1);
      create table p9 (id int, k int);
      create function f() returns trigger language plpgsql as $$begin return new; end$$;
      create trigger g before insert on t for each row execute function f();
      alter table t add constraint t_pos check (a > 0) not valid;
      alter table t add constraint t_r foreign key (r_id) references r not valid;
      create materialized view m as select * from r;
      insert into r select generate_series(1, 10);
      insert into u select i, 'x' from generate_series(1, 10) i;
      insert into t (id, a) select i, i from generate_series(1, 10) i;
    `);
  });

  /** The locks the statement's own backend holds, just before it rolls back. */
  async function observed(statement: string): Promise<Observed> {
    const reserved = await db.sql.reserve();
    try {
      const rels = await reserved<{ oid: number; text: string; kind: string; indexed: number | null; parent: number | null }[]>`
        select c.oid::int as oid, c.oid::regclass::text as text, c.relkind::text as kind, i.indrelid::int as indexed, h.inhparent::int as parent
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        left join pg_index i on i.indexrelid = c.oid left join pg_inherits h on h.inhrelid = c.oid
        where n.nspname = 'public'`;
      await reserved`begin`;
      await reserved.unsafe(statement);
      const rows = await reserved<{ oid: number; mode: string }[]>`
        select relation::int as oid, mode from pg_locks where pid = pg_backend_pid() and locktype = 'relation' and database = (select oid from pg_database where datname = current_database())`;
      await reserved`rollback`;
      const oids = new Map<number, LockMode>();
      for (const row of rows) {
        const mode = lockModes.find((m) => `${m.replaceAll(' ', '')}lock` === row.mode.toLowerCase());
        if (mode !== undefined) oids.set(row.oid, oids.has(row.oid) ? strongerMode(oids.get(row.oid)!, mode) : mode);
      }
      const byText = new Map(rels.map((r) => [r.text, r]));
      const children = new Map<number, number[]>();
      for (const r of rels) if (r.parent !== null) children.set(r.parent, [...(children.get(r.parent) ?? []), r.oid]);
      return {
        oids,
        tables: new Map(rels.filter((r) => r.kind === 'r' || r.kind === 'p').map((r) => [r.oid, r.text])),
        children,
        resolve: (text, ofIndex) => {
          const rel = byText.get(text);
          if (rel === undefined) throw new Error(`no relation ${text}`);
          return ofIndex ? (rel.indexed ?? -1) : rel.oid;
        },
      };
    } finally {
      await reserved`rollback`.catch(() => undefined);
      reserved.release();
    }
  }

  it.each(statements)('%s', async (statement) => {
    const analysis = await analyzeStatement(statement);
    const seen = await observed(statement);
    const named = new Set<number>();
    const recursed = new Set<number>();
    const want: Record<string, LockMode> = {};
    const got: Record<string, LockMode | undefined> = {};
    for (const lock of analysis.locks) {
      const oid = seen.resolve(relationText(lock.relation).replaceAll('"', ''), lock.target === 'table of index');
      const label = `${relationText(lock.relation)}${lock.target === 'table of index' ? ' (table of index)' : ''}`;
      named.add(oid);
      if (lock.children) for (const child of seen.children.get(oid) ?? []) recursed.add(child);
      want[label] = lock.mode;
      got[label] = seen.oids.get(oid);
    }
    expect(got).toEqual(want);
    const strays = [...seen.oids.keys()]
      .filter((oid) => seen.tables.has(oid) && !named.has(oid) && !recursed.has(oid))
      .map((oid) => `${seen.tables.get(oid)} ${seen.oids.get(oid)}`);
    expect(strays).toEqual(unnamed[statement] ?? []);
  });
});
