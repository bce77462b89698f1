import { describe, expect, it } from 'vitest';
import { SqlShapeError } from '../../src/errors/index.js';
import { calledNames } from '../../src/sql-grammar/called-names.js';
import { parseOneExpression } from '../../src/sql-grammar/one-expression.js';
import { requireOneReadOnlyQuery } from '../../src/sql-grammar/one-query.js';
import { parseOneStatement } from '../../src/sql-grammar/one-statement.js';
import { requireOneTypeName } from '../../src/sql-grammar/one-type-name.js';

async function refusal(check: Promise<unknown>): Promise<string> {
  const error = await check.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SqlShapeError);
  expect((error as SqlShapeError).exitCode).toBe(2);
  return (error as SqlShapeError).message;
}

describe('exactly one expression (PostgreSQL grammar)', () => {
  it.each([
    ["CASE WHEN escalated THEN 'high' ELSE 'normal' END"],
    ["coalesce(title, ')(;--')"],
    ['extract(epoch from (resolved_at - created_at))::int'],
    ['$$;)$$ || "odd "")" || E\'\\\')\''],
    ["E'\\\\'') ; drop table t; --'"],
    ['(select max(id) from tickets)'],
    ['((select 1) union (select 2))'],
    ["status in ('open', 'pending')"],
    ['(1, 2)'],
    ['-1'],
    ["now() - interval '1 day'"],
    ['\'é\' || lower("Ünïcode")'],
  ])('accepts %s', async (expression) => {
    await expect(parseOneExpression('default', expression)).resolves.toBeDefined();
  });

  it.each([
    ['0, 1', /default must be exactly one expression: found 2 \(a top-level comma\?\)/],
    [
      '0, drop column secret',
      /default must be exactly one expression: it does not parse: syntax error at or near "secret" \(a top-level comma\?\)/,
    ],
    ['1) , (2', /does not parse|inside parentheses/],
    ['1) from pg_class where (true', /does not parse|inside parentheses/],
    ['1; drop table x', /found 2 statements/],
    ['1 -- )', /comments are not allowed/],
    ['1 /* ) */', /comments are not allowed/],
    ['$$x$$) ; drop table x; select ($$', /does not parse|statements/],
    ["E'\\\\') ; drop table t; --'", /comments are not allowed|does not parse|statements/],
    ['(1', /does not parse.*unbalanced "\("/],
    ['1)', /does not parse.*unbalanced "\)"/],
    ["'open", /does not parse/],
    ['', /it is empty/],
    ['   ', /it is empty/],
    ['1\u0000) ; drop table x; --', /NUL byte/],
    ['(select 1) union (select 2)', /UNION\/INTERSECT\/EXCEPT of queries; to use it as a scalar subquery, wrap it in parentheses/],
    ['1 from tickets', /found a FROM clause/],
    ['1 where true', /found a WHERE clause/],
    ['1 order by 1', /found a ORDER BY clause/],
    ['1 limit 1', /LIMIT/],
    ['1 as x', /alias/],
    ['*', /"\*"/],
    ['all 1', /inside parentheses/],
    ['distinct 1', /DISTINCT/],
  ])('refuses %s', async (expression, reason) => {
    const message = await refusal(parseOneExpression('default', expression));
    expect(message).toMatch(reason);
    expect(message).toContain(`expression: ${expression}`);
  });
});

describe('exactly one read-only query', () => {
  it.each([
    'select id from tickets where status <> upper(status)',
    'with x as (select 1 as a) select a from x',
    'values (1)',
    'table tickets',
    '(select 1) union (select 2)',
  ])('accepts %s', async (query) => {
    await expect(requireOneReadOnlyQuery('verify', query)).resolves.toBeUndefined();
  });

  it.each([
    ['select 1; delete from tickets', /found 2 statements/],
    ['select 1) as x; delete from tickets; select * from (select 1', /does not parse|statements/],
    ['select 1 -- x', /comments/],
    ['delete from tickets returning id', /not a SELECT/],
    ['with d as (delete from tickets returning id) select id from d', /writes rows/],
    ['select id into copy from tickets', /SELECT INTO/],
    ['select id from tickets for update', /FOR UPDATE/],
    ['1', /does not parse/],
  ])('refuses %s', async (query, reason) => {
    expect(await refusal(requireOneReadOnlyQuery('verify', query))).toMatch(reason);
  });
});

describe('exactly one type name', () => {
  it.each([
    'text',
    'bigint',
    'varchar(20)',
    'numeric(10, 2)',
    'int[]',
    'double precision',
    'timestamp with time zone',
    '"Mixed"."Type"',
    'interval day to second',
  ])('accepts %s', async (type) => {
    await expect(requireOneTypeName('type', type)).resolves.toBeUndefined();
  });

  it.each(['int, drop column secret', 'int) , (1', 'text collate "C"', 'int -- x', 'int; drop table t', 'int default 1', '1', ''])(
    'refuses %s',
    async (type) => {
      expect(await refusal(requireOneTypeName('type', type))).toMatch(/type must be exactly one type name/);
    },
  );
});

describe('exactly one statement', () => {
  it('returns the parse tree of one statement', async () => {
    expect(Object.keys(await parseOneStatement('sql', "comment on table t is 'a; b'"))).toEqual(['CommentStmt']);
  });

  it.each([
    ['select 1; select 2', /found 2; give each statement its own list entry/],
    ['select 1 -- note', /comments/],
    ['selec 1', /does not parse/],
  ])('refuses %s', async (statement, reason) => {
    expect(await refusal(parseOneStatement('sql', statement))).toMatch(reason);
  });
});

describe('the names an expression calls', () => {
  it('finds functions, operators (also those hidden in IN, LIKE, BETWEEN, CASE) and cast types', async () => {
    const tree = await parseOneExpression(
      'default',
      "CASE s.f(a) WHEN 1 THEN x::my.t ELSE 0 END + b IN (1) AND c LIKE 'x' AND d BETWEEN 1 AND 2 AND e OPERATOR(app.===) 1",
    );
    expect(calledNames(tree)).toEqual({
      functions: [['s', 'f']],
      operators: [['='], ['+'], ['='], ['~~'], ['>='], ['<='], ['app', '===']],
      types: [['my', 't']],
    });
  });
});
