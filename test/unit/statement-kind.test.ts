// What a blocking session's query is, by PostgreSQL's grammar: DDL and LOCK TABLE are never cancelled.
import { describe, expect, it } from 'vitest';
import { statementKind } from '../../src/sql-grammar/statement-kind.js';

describe("reading a blocker's query", () => {
  it.each([
    ['select count(*) from tickets', 'dml'],
    ['begin; select count(*) from tickets; select pg_sleep(60)', 'dml'],
    ['with moved as (delete from a returning *) insert into b select * from moved', 'dml'],
    ['update tickets set status = $1 where id = $2', 'dml'],
    ['explain analyze select 1', 'dml'],
    ['LOCK TABLE tickets IN SHARE MODE', 'lock'],
    ['begin; lock table tickets; select 1', 'lock'],
    ['alter table tickets add column x int', 'ddl'],
    ['create index on tickets (id)', 'ddl'],
    ['select * into copy_of_tickets from tickets', 'ddl'],
    ['explain analyze create table t2 as select 1', 'ddl'],
    ['vacuum tickets', 'ddl'],
    ['<insufficient privilege>', 'unreadable'],
    ['', 'unreadable'],
  ] as const)('%s is %s', async (query, kind) => {
    expect(await statementKind(query)).toBe(kind);
  });

  it('reads a query cut short (track_activity_query_size) by its first words', async () => {
    expect(await statementKind("select * from tickets where subject = 'a very long str")).toBe('dml');
    expect(await statementKind("alter table tickets add constraint c check (subject <> 'cut")).toBe('ddl');
    expect(await statementKind('/* app */ lock table tickets in share mode; select (1 +')).toBe('lock');
  });
});
