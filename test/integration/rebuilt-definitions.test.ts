// A column rebuild re-creates every index and CHECK on the column's copy by renaming the column in
// PostgreSQL's own definitions, on the parse tree: a column named like a function, a keyword or a
// type, quoted mixed-case names, strings holding the name, INCLUDE columns and partial predicates all
// come out of a type change exactly as they went in.
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSpec, startMigration } from '../../src/index.js';
import { useTestDatabase } from '../support/test-database.js';

describe('indexes and CHECKs carried through a column rebuild', () => {
  const db = useTestDatabase('rebuilt_definitions');
  beforeAll(async () => {
    await db.sql.unsafe(`
      create table weird (id int primary key, "lower" varchar(20), "Mixed" text, "select" text, "date" date);
      insert into weird select g, 'v' || g, 'm' || g, 's' || g, date '2024-01-01' + g from generate_series(1, 200) g;
      create index weird_lower on weird (lower("lower"));
      create index weird_select on weird ("select") include ("lower", "Mixed") where ("lower" <> 'lower');
      create unique index weird_mixed on weird ("Mixed" text_pattern_ops, "lower" desc nulls last);
      alter table weird add constraint weird_not_lower check ("lower" <> E'it\\'s "lower"' and "date" > '2000-01-01'::date);`);
  });

  const definitions = async (): Promise<string[]> =>
    (
      await db.sql<{ def: string }[]>`
        select pg_get_indexdef(indexrelid) as def from pg_index where indrelid = 'weird'::regclass
        union all select conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where conrelid = 'weird'::regclass and contype = 'c'
        order by 1`
    ).map((r) => r.def);

  it('change-type of a column named lower keeps every definition', async () => {
    const before = await definitions();
    expect(before).toContain('CREATE INDEX weird_lower ON public.weird USING btree (lower((lower)::text))');
    const spec = parseSpec({ operations: [{ op: 'change-type', table: 'weird', column: 'lower', type: 'text' }] }, 'test');
    expect(await startMigration({ databaseUrl: db.url, spec, options: { complete: true } })).toMatchObject({ status: 'completed' });
    const after = await definitions();
    // The type is text now, so PostgreSQL no longer prints the cast to text; everything else is as it was.
    expect(after).toEqual(
      before
        .map((d) =>
          d
            .replace('lower((lower)::text)', 'lower(lower)')
            .replace("((lower)::text <> 'lower'::text)", "(lower <> 'lower'::text)")
            .replace('((lower)::text <> ', '(lower <> '),
        )
        .sort(),
    );
    const [rows] = await db.sql<{ n: number }[]>`select count(*)::int as n from weird where "lower" = 'v' || id`;
    expect(rows?.n).toBe(200);
  });
});
