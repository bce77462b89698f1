import { describe, expect, it } from 'vitest';
import { wrappedAnalysis, wrappedStatements } from '../../src/import/check/do-block-analysis.js';

const drizzleForeignKey = `DO $$ BEGIN
 ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;
EXCEPTION
 WHEN duplicate_object THEN null;
END $$`;

describe('a DO block that only wraps plain statements', () => {
  it("is judged by what it wraps: drizzle-kit's foreign key in a duplicate_object guard", async () => {
    const statements = await wrappedStatements(drizzleForeignKey);
    expect(statements?.map((s) => Object.keys(s)[0])).toEqual(['AlterTableStmt']);
    const analysis = wrappedAnalysis(statements ?? []);
    expect(analysis).toMatchObject({ kind: 'DO block (ALTER TABLE)', opaque: false, scans: { answer: 'yes' } });
    expect(analysis.locks.map((l) => [l.relation, l.mode])).toEqual([
      [{ name: 'posts' }, 'share row exclusive'],
      [{ schema: 'public', name: 'users' }, 'share row exclusive'],
    ]);
  });

  it('takes every wrapped statement, nested blocks too, each relation once in the mode covering all', async () => {
    const statements = await wrappedStatements('DO $$ BEGIN CREATE INDEX i ON t (a); BEGIN ALTER TABLE t ADD COLUMN b int; END; END $$');
    const analysis = wrappedAnalysis(statements ?? []);
    expect(analysis.kind).toBe('DO block (CREATE INDEX, ALTER TABLE)');
    expect(analysis.locks.map((l) => [l.relation.name, l.mode])).toEqual([['t', 'access exclusive']]);
  });

  it('stays opaque when it does more: variables, dynamic EXECUTE, a handler that acts, another language, a syntax error', async () => {
    for (const text of [
      'DO $$ DECLARE x int; BEGIN x := 1; END $$',
      "DO $$ BEGIN EXECUTE 'CREATE INDEX ON t (a)'; END $$",
      "DO $$ BEGIN ALTER TABLE t ADD c int; EXCEPTION WHEN others THEN RAISE NOTICE 'x'; END $$",
      'DO $$ BEGIN IF true THEN ALTER TABLE t ADD c int; END IF; END $$',
      "DO LANGUAGE plpython3u $$ plpy.execute('alter table t add c int') $$",
      'DO $$ BEGIN not sql at all; END $$',
    ])
      expect(await wrappedStatements(text), text).toBeUndefined();
  });
});
