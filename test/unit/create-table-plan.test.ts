import { describe, expect, it } from 'vitest';
import {
  createTable,
  createTableSpec,
  createTableStatement,
  planCreateTable,
  verdictStatements,
} from '../../src/operations/create-table.js';

const satisfaction = createTableSpec.parse({
  op: 'create-table',
  table: 'customer_satisfaction',
  columns: [
    { name: 'id', type: 'bigint', identity: 'always' },
    { name: 'ticket_id', type: 'bigint', nullable: false },
    { name: 'rating', type: 'int', nullable: false },
    { name: 'comment', type: 'text' },
    { name: 'created_at', type: 'timestamptz', nullable: false, default: 'now()' },
  ],
  primaryKey: ['id'],
  checks: [{ check: 'rating between 1 and 5' }],
  foreignKeys: [{ columns: ['ticket_id'], references: { table: 'tickets', columns: ['id'] }, onDelete: 'cascade' }],
});

const createSatisfaction = [
  'create table "public"."customer_satisfaction" (',
  '  "id" bigint generated always as identity,',
  '  "ticket_id" bigint not null,',
  '  "rating" int not null,',
  '  "comment" text,',
  '  "created_at" timestamptz not null default (now()),',
  '  primary key ("id"),',
  '  check (rating between 1 and 5),',
  '  foreign key ("ticket_id") references "public"."tickets" ("id") on delete cascade',
  ')',
].join('\n');

describe('create-table planning (exact SQL)', () => {
  it('creates the table in one locked expand step and drops it on rollback; nothing to backfill or contract', () => {
    const plan = planCreateTable(satisfaction);
    expect(plan.expand).toEqual([
      {
        description: 'create table customer_satisfaction (5 columns, primary key, 1 check, 1 foreign key)',
        statements: [createSatisfaction],
        locks:
          'SHARE ROW EXCLUSIVE on public.tickets for milliseconds (foreign-key triggers): writes to it wait that long, reads continue; the new table is invisible until commit',
      },
    ]);
    expect(plan.backfill).toEqual([]);
    expect(plan.contract).toEqual([]);
    expect(plan.rollback).toEqual([
      {
        description: 'drop table customer_satisfaction (with any rows written to it since start)',
        // The referenced table first, by name; the new table may be gone already (a second rollback).
        statements: ['lock table "public"."tickets" in access exclusive mode', 'drop table if exists "public"."customer_satisfaction"'],
        locks: 'ACCESS EXCLUSIVE on customer_satisfaction and on public.tickets (dropping the foreign-key triggers) for milliseconds',
      },
    ]);
    expect([...plan.expand, ...plan.rollback].every((s) => s.kind === undefined)).toBe(true);
    expect(createTable.defaultName(satisfaction)).toBe('create-table-customer_satisfaction');
    expect(createTable.tables(satisfaction)).toEqual([
      { schema: 'public', name: 'customer_satisfaction' },
      { schema: 'public', name: 'tickets' },
    ]);
  });

  it('warns about a foreign key no key of the new table serves, and not when one starts with its columns', () => {
    expect(planCreateTable(satisfaction).warnings).toEqual([
      'no index on public.customer_satisfaction starts with (ticket_id): every delete or key update on public.tickets will scan public.customer_satisfaction ' +
        'for matching rows; once the table exists, add a create-index on (ticket_id) (it builds in no time while the table is small)',
    ]);
    const servedByKey = createTableSpec.parse({ ...satisfaction, primaryKey: ['ticket_id', 'id'] });
    expect(planCreateTable(servedByKey).warnings).toEqual([]);
    const servedByUnique = createTableSpec.parse({ ...satisfaction, unique: [['ticket_id']] });
    expect(planCreateTable(servedByUnique).warnings).toEqual([]);
    const keyInTheWrongOrder = createTableSpec.parse({ ...satisfaction, primaryKey: ['id', 'ticket_id'] });
    expect(planCreateTable(keyInTheWrongOrder).warnings).toHaveLength(1);
  });

  it('keeps PostgreSQL default constraint names unless the spec names them; quotes odd names; names each clause', () => {
    const spec = createTableSpec.parse({
      op: 'create-table',
      schema: 'Support Desk',
      table: 'Ticket "Tags"',
      columns: [
        { name: 'Ticket Id', type: 'bigint', nullable: false },
        { name: 'tag', type: 'varchar(40)', nullable: false, default: "'none'" },
        { name: 'n', type: 'int', identity: 'by default' },
      ],
      primaryKey: ['Ticket Id', 'tag'],
      unique: [['n'], ['tag', 'n']],
      checks: [{ name: 'tag "lower"', check: 'tag = lower(tag)' }, { check: 'n > 0' }],
      foreignKeys: [
        {
          name: 'tags_ticket',
          columns: ['Ticket Id'],
          references: { schema: 'Support Desk', table: 'Tickets', columns: ['id'] },
          onDelete: 'cascade',
          onUpdate: 'restrict',
        },
      ],
    });
    expect(planCreateTable(spec).expand[0]?.statements).toEqual([
      [
        'create table "Support Desk"."Ticket ""Tags""" (',
        '  "Ticket Id" bigint not null,',
        `  "tag" varchar(40) not null default ('none'),`,
        '  "n" int generated by default as identity,',
        '  primary key ("Ticket Id", "tag"),',
        '  unique ("n"),',
        '  unique ("tag", "n"),',
        '  constraint "tag ""lower""" check (tag = lower(tag)),',
        '  check (n > 0),',
        '  constraint "tags_ticket" foreign key ("Ticket Id") references "Support Desk"."Tickets" ("id") on delete cascade on update restrict',
        ')',
      ].join('\n'),
    ]);
    expect(planCreateTable(spec).expand[0]?.description).toBe(
      'create table Ticket "Tags" (3 columns, primary key, 2 unique constraints, 2 checks, 1 foreign key)',
    );
    expect(planCreateTable(spec).warnings).toEqual([]);
  });

  it('with two referenced tables, locks them first in the order the spec names them (only the first waits the full lock_timeout)', () => {
    const spec = createTableSpec.parse({
      ...satisfaction,
      columns: [...satisfaction.columns, { name: 'agent_id', type: 'bigint' }],
      foreignKeys: [...(satisfaction.foreignKeys ?? []), { columns: ['agent_id'], references: { table: 'agents', columns: ['id'] } }],
    });
    const plan = planCreateTable(spec);
    expect(plan.expand[0]?.statements.slice(0, 2)).toEqual([
      'lock table "public"."tickets" in share row exclusive mode',
      'lock table "public"."agents" in share row exclusive mode',
    ]);
    expect(plan.expand[0]?.statements.slice(2)).toEqual([createTableStatement(spec)]);
    expect(plan.rollback[0]?.statements).toEqual([
      'lock table "public"."tickets" in access exclusive mode',
      'lock table "public"."agents" in access exclusive mode',
      'drop table if exists "public"."customer_satisfaction"',
    ]);
  });

  it('without foreign keys the step locks nothing others can see, and rollback only the table', () => {
    const spec = createTableSpec.parse({
      op: 'create-table',
      table: 'ticket_channels',
      columns: [{ name: 'code', type: 'text' }],
      primaryKey: ['code'],
    });
    const plan = planCreateTable(spec);
    expect(plan.expand[0]?.statements).toEqual(['create table "public"."ticket_channels" (\n  "code" text,\n  primary key ("code")\n)']);
    expect(plan.expand[0]?.locks).toBe(
      'ACCESS EXCLUSIVE on the new table only, which no one else can see before the step commits: no wait for traffic',
    );
    expect(plan.rollback[0]?.locks).toBe('ACCESS EXCLUSIVE on ticket_channels for milliseconds');
    expect(plan.warnings).toEqual([]);
    expect(createTable.tables(spec)).toEqual([{ schema: 'public', name: 'ticket_channels' }]);
  });

  it('asks PostgreSQL about the exact table without foreign keys, then adds them to an empty copy referencing copies', () => {
    expect(verdictStatements(satisfaction)).toEqual([
      createSatisfaction.replace(',\n  foreign key ("ticket_id") references "public"."tickets" ("id") on delete cascade', ''),
      'create temporary table online_ct_probe (like "public"."customer_satisfaction" including all) on commit drop',
      'create temporary table online_ct_ref_0 (like "public"."tickets" including indexes) on commit drop',
      'alter table online_ct_probe add foreign key ("ticket_id") references online_ct_ref_0 ("id") on delete cascade',
    ]);
    const selfReferencing = createTableSpec.parse({
      op: 'create-table',
      table: 'ticket_threads',
      columns: [
        { name: 'id', type: 'bigint', nullable: false },
        { name: 'parent_id', type: 'bigint' },
        { name: 'ticket_id', type: 'bigint' },
        { name: 'other_ticket_id', type: 'bigint' },
      ],
      primaryKey: ['id'],
      foreignKeys: [
        { columns: ['parent_id'], references: { table: 'ticket_threads', columns: ['id'] } },
        { columns: ['ticket_id'], references: { table: 'tickets', columns: ['id'] } },
        { columns: ['other_ticket_id'], references: { table: 'tickets', columns: ['id'] } },
      ],
    });
    expect(verdictStatements(selfReferencing).slice(1)).toEqual([
      'create temporary table online_ct_probe (like "public"."ticket_threads" including all) on commit drop',
      'create temporary table online_ct_ref_0 (like "public"."tickets" including indexes) on commit drop',
      'alter table online_ct_probe add foreign key ("parent_id") references online_ct_probe ("id")',
      'alter table online_ct_probe add foreign key ("ticket_id") references online_ct_ref_0 ("id")',
      'alter table online_ct_probe add foreign key ("other_ticket_id") references online_ct_ref_0 ("id")',
    ]);
    // The table itself is not a table the migration must wait for; tickets is listed once.
    expect(createTable.tables(selfReferencing)).toEqual([
      { schema: 'public', name: 'ticket_threads' },
      { schema: 'public', name: 'tickets' },
    ]);
    expect(planCreateTable(selfReferencing).expand[0]?.locks).toMatch(/^SHARE ROW EXCLUSIVE on public\.tickets for milliseconds/);
  });
});
