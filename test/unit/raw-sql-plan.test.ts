import { describe, expect, it } from 'vitest';
import { planRawSql, rawSql, sqlSpec, statementsOf } from '../../src/operations/raw-sql.js';
import { stepRefusal } from '../../src/preflight/raw-sql-refusals.js';
import { parseOneStatement } from '../../src/sql-grammar/one-statement.js';

const refusalOf = async (statement: string): Promise<string | undefined> => stepRefusal(await parseOneStatement('sql', statement));

const lockWarning = (phase: string): string =>
  `raw SQL (${phase}): online cannot check what it locks or how long it runs. It runs in one transaction under lock_timeout with retries, ` +
  'so it never leaves traffic queued behind a long transaction; but every lock it takes is held until it commits, so a statement that scans ' +
  'or rewrites a large table blocks that table for the whole scan. Prefer an operation (create-index, add-check, add-column…) where one fits';
const noRollback = 'raw SQL (expand) has no rollback SQL: `online rollback` cannot undo it; add `rollback:` to make it undoable';
const locks = 'whatever the statements take, held until the step commits; each wait for a lock is bounded by lock_timeout and retried';

describe('sql planning (exact SQL)', () => {
  it('expand: the statements in order in one locked step, the rollback SQL in one locked rollback step', () => {
    const spec = sqlSpec.parse({
      op: 'sql',
      phase: 'expand',
      sql: ["insert into ticket_channels (code, label) values ('chat', 'Chat');", "comment on table tickets is 'Support tickets'"],
      rollback: "delete from ticket_channels where code = 'chat'",
      tables: [{ table: 'ticket_channels' }],
    });
    const plan = planRawSql(spec);
    expect(plan.expand).toEqual([
      {
        description: "run sql (expand): insert into ticket_channels (code, label) values ('chat',… (+1 more)",
        statements: ["insert into ticket_channels (code, label) values ('chat', 'Chat')", "comment on table tickets is 'Support tickets'"],
        locks,
      },
    ]);
    expect(plan.rollback).toEqual([
      {
        description: "run the rollback sql: delete from ticket_channels where code = 'chat'",
        statements: ["delete from ticket_channels where code = 'chat'"],
        locks,
      },
    ]);
    expect(plan.backfill).toEqual([]);
    expect(plan.contract).toEqual([]);
    expect(plan.warnings).toEqual([lockWarning('expand')]);
    expect(rawSql.tables(spec)).toEqual([{ schema: 'public', name: 'ticket_channels' }]);
    expect(rawSql.defaultName(spec)).toBe('sql-expand');
  });

  it('expand without rollback SQL warns that rollback cannot undo it', () => {
    const plan = planRawSql(sqlSpec.parse({ op: 'sql', phase: 'expand', sql: "comment on table tickets is 'x'" }));
    expect(plan.expand.map((s) => s.statements)).toEqual([["comment on table tickets is 'x'"]]);
    expect(plan.rollback).toEqual([]);
    expect(plan.warnings).toEqual([lockWarning('expand'), noRollback]);
  });

  it('contract: one locked contract step, nothing in expand or rollback', () => {
    const spec = sqlSpec.parse({ op: 'sql', phase: 'contract', sql: ['update ticket_channels set label = upper(label)'] });
    const plan = planRawSql(spec);
    expect(plan.expand).toEqual([]);
    expect(plan.contract).toEqual([
      {
        description: 'run sql (contract): update ticket_channels set label = upper(label)',
        statements: ['update ticket_channels set label = upper(label)'],
        locks,
      },
    ]);
    expect(plan.rollback).toEqual([]);
    expect(plan.warnings).toEqual([lockWarning('contract')]);
    expect(rawSql.tables(spec)).toEqual([]);
  });

  it('warns once about CREATE INDEX without CONCURRENTLY', () => {
    const plan = planRawSql(
      sqlSpec.parse({
        op: 'sql',
        phase: 'contract',
        sql: ['create index t_a on t (a)', 'CREATE UNIQUE INDEX t_b ON t (b)', 'create table t2 (a int)'],
      }),
    );
    expect(plan.warnings).toEqual([
      lockWarning('contract'),
      'raw SQL: CREATE INDEX without CONCURRENTLY blocks every write to its table for the whole build; the create-index operation builds it concurrently',
    ]);
  });

  it('the spec refuses rollback SQL on contract', () => {
    expect(sqlSpec.safeParse({ op: 'sql', phase: 'contract', sql: 'select 1', rollback: 'select 2' }).success).toBe(false);
  });

  it('drops one trailing semicolon, keeps a semicolon inside a literal', () => {
    expect(statementsOf(' select 1 ; ')).toEqual(['select 1']);
    expect(statementsOf(["select ';'", 'select 2;'])).toEqual(["select ';'", 'select 2']);
  });
});

describe('sql statements that cannot be a step', () => {
  it.each([
    ['create index concurrently i on t (a)', /use the create-index operation/],
    ['CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)', /use the create-index operation/],
    ['drop index concurrently if exists i', /use the drop-index operation/],
    ['reindex index concurrently i', /REINDEX cannot run inside a transaction block/],
    ['reindex (verbose) database app', /REINDEX cannot run inside a transaction block/],
    ['alter table t detach partition t_2020 concurrently', /DETACH PARTITION CONCURRENTLY cannot run inside a transaction block/],
    ['vacuum analyze t', /VACUUM/],
    ['cluster', /CLUSTER of every table/],
    ['create database other', /cannot run inside a transaction block/],
    ['drop tablespace fast', /cannot run inside a transaction block/],
    ['alter system set work_mem = 1', /cannot run inside a transaction block/],
    ['discard all', /DISCARD/],
    ['begin', /transaction control/],
    ['START TRANSACTION', /transaction control/],
    ['commit', /transaction control/],
    ['end', /transaction control/],
    ['rollback', /transaction control/],
    ['savepoint a', /transaction control/],
    ['set transaction isolation level serializable', /transaction control/],
    ['set local lock_timeout = 0', /lock_timeout is set by online/],
    ['set lock_timeout = 0', /session-level SET/],
    ['set search_path = app', /session-level SET/],
    ['reset all', /session-level SET/],
    ['RESET search_path', /session-level SET/],
    ['SET  SESSION  search_path TO evil', /session-level SET/],
    ['set role postgres', /session-level SET/],
    ['set session authorization postgres', /session-level SET/],
    ['set session characteristics as transaction read only', /transaction control/],
    ["load 'auto_explain'", /LOAD/],
    ["select set_config('search_path', 'evil', false)", /set_config\(…, false\)/],
    ["select pg_catalog.set_config('search_path', 'evil', 'false')", /set_config/],
    ["select set_config('search_path', 'evil', 'off')", /set_config/],
    ["select set_config('search_path', 'evil', x) from t", /set_config/],
    ["update t set a = (select set_config('role', 'x', false))", /set_config/],
    ["with s as (select set_config('search_path', 'evil', false)) insert into t select 1 from s", /set_config/],
    ["do $$ begin perform set_config('search_path', 'evil', true); end $$", /DO block may not call set_config/],
    ["do $$ begin perform pg_catalog.\"set_config\"('search_path', 'evil', false); end $$", /DO block may not call set_config/],
    ["select \"set_config\"('search_path', 'evil', false)", /set_config\(…, false\)/],
    ['do $$ begin set search_path = evil; end $$', /session-level SET/],
    ['do $$ begin if true then reset role; end if; end $$', /session-level SET/],
    ['reindex schema public', /REINDEX cannot run inside a transaction block/],
    ['create database "x"', /cannot run inside a transaction block/],
  ])('%s', async (statement, reason) => {
    expect(await refusalOf(statement)).toMatch(reason);
  });

  it.each([
    'create index i on t (a)',
    'refresh materialized view concurrently open_tickets',
    'reindex index i',
    'cluster t using t_pkey',
    'set local search_path = app',
    'set constraints all deferred',
    'lock table t in share mode',
    "comment on table tickets is 'begin'",
    'insert into t (begin_at) values (now())',
    'do $$ begin perform 1; end $$',
    'alter table t add column vacuumed_at timestamptz',
    "select set_config('app.tenant', 'x', true)",
    "select set_config('app.tenant', 'x', 'on')",
    'do $$ begin update t set a = 1; end $$',
    'do $$ begin set local search_path = app; end $$',
    "comment on table t is 'set_config(search_path, evil, false)'",
    'analyze t',
  ])('allows %s', async (statement) => {
    expect(await refusalOf(statement)).toBeUndefined();
  });
});
