import { describe, expect, it } from 'vitest';
import { expressionText, statementSource, typeText, unqualifiedExpressionText } from '../../src/import/translate/source-text.js';

/** The source text of the CHECK of `ALTER TABLE t ADD CHECK (<expr>)`, found from its tree. */
async function checkText(expr: string): Promise<string | undefined> {
  const source = await statementSource(`ALTER TABLE t ADD CONSTRAINT c CHECK (${expr}) NOT VALID`);
  const stmt = source.stmt;
  const cmd = 'AlterTableStmt' in stmt ? stmt.AlterTableStmt.cmds?.[0] : undefined;
  const def = cmd !== undefined && 'AlterTableCmd' in cmd ? cmd.AlterTableCmd.def : undefined;
  const raw = def !== undefined && 'Constraint' in def ? def.Constraint.raw_expr : undefined;
  return raw === undefined ? undefined : expressionText(source, raw);
}

describe('source text of parse-tree nodes', () => {
  it('is the source spelling of exactly the node, parentheses the tree does not keep included where needed', async () => {
    expect(await checkText('a >= 0')).toBe('a >= 0');
    expect(await checkText('(a + b) * c > 0')).toBe('(a + b) * c > 0');
    expect(await checkText('(a).b IS NOT NULL')).toBe('(a).b IS NOT NULL');
    expect(await checkText(`status::text IN ('a', 'b''c')`)).toBe(`status::text IN ('a', 'b''c')`);
    expect(await checkText(`"Weird ""Name""" <> CAST(x AS varchar(3))`)).toBe(`"Weird ""Name""" <> CAST(x AS varchar(3))`);
    expect(await checkText('NOT (a AND b)')).toBe('NOT (a AND b)');
    expect(await checkText('é <> $$ü$$')).toBe('é <> $$ü$$');
  });

  it('reads type names as written, typmods and arrays included', async () => {
    const source = await statementSource('ALTER TABLE t ADD COLUMN a TIMESTAMP(3) WITH TIME ZONE[] NOT NULL DEFAULT now()');
    const stmt = source.stmt;
    const cmd = 'AlterTableStmt' in stmt ? stmt.AlterTableStmt.cmds?.[0] : undefined;
    const def = cmd !== undefined && 'AlterTableCmd' in cmd ? cmd.AlterTableCmd.def : undefined;
    const typeName = def !== undefined && 'ColumnDef' in def ? def.ColumnDef.typeName : undefined;
    expect(await typeText(source, typeName)).toBe('TIMESTAMP(3) WITH TIME ZONE[]');
  });

  it('drops qualifiers naming the given table only, and checks the result on the tree', async () => {
    const source = await statementSource('CREATE INDEX i ON posts (id) WHERE "posts"."published" AND public.posts.n > other.n');
    const where = 'IndexStmt' in source.stmt ? source.stmt.IndexStmt.whereClause : undefined;
    expect(where === undefined ? undefined : await unqualifiedExpressionText(source, where, 'posts')).toBe('"published" AND n > other.n');
  });
});
