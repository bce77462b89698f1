// The DDL vocabulary of triggers and constraints: the exact SQL each piece writes.
import { describe, expect, it } from 'vitest';
import { dropFunction, dropTriggers } from '../../src/ddl/drop-triggers.js';
import { foreignKeyDefinition } from '../../src/ddl/foreign-key-definition.js';
import {
  addNotValid,
  checkDefinition,
  dropConstraintIfExists,
  notNullCheck,
  replaceNotValid,
  validateConstraint,
} from '../../src/ddl/not-valid-constraint.js';
import { replaceRowTrigger } from '../../src/ddl/row-trigger.js';

const table = { schema: 's', name: 'T' };
const fn = { schema: 's', name: 'f' };

describe('ddl: row triggers and their removal', () => {
  it('drops a leftover trigger, then creates it before the events, with or without a WHEN', () => {
    expect(replaceRowTrigger({ name: 'tr', table, events: 'insert or update', when: 'NEW."c" is null', fn })).toEqual([
      'drop trigger if exists "tr" on "s"."T"',
      'create trigger "tr" before insert or update on "s"."T" for each row when (NEW."c" is null) execute function "s"."f"()',
    ]);
    expect(replaceRowTrigger({ name: 'tr', table, events: 'insert', fn })[1]).toBe(
      'create trigger "tr" before insert on "s"."T" for each row execute function "s"."f"()',
    );
  });

  it('drops the triggers before the functions, each function by its signature', () => {
    expect(dropTriggers(table, ['a', 'b'], [{ name: fn }, { name: { schema: 's', name: 'g' }, parameterTypes: [table] }])).toEqual([
      'drop trigger if exists "a" on "s"."T"',
      'drop trigger if exists "b" on "s"."T"',
      'drop function if exists "s"."f"()',
      'drop function if exists "s"."g"("s"."T")',
    ]);
    expect(dropFunction({ name: fn })).toBe('drop function if exists "s"."f"()');
  });
});

describe('ddl: NOT VALID constraints, validated later', () => {
  it('adds, replaces (all drops first, in one statement), validates and drops', () => {
    expect(addNotValid(table, { name: 'k', definition: checkDefinition('x > 0') })).toBe(
      'alter table "s"."T" add constraint "k" check (x > 0) not valid',
    );
    expect(
      replaceNotValid(table, [
        { name: 'a', definition: 'CHECK ((x > 0))' },
        { name: 'b', definition: notNullCheck('c') },
      ]),
    ).toBe(
      'alter table "s"."T" drop constraint if exists "a", drop constraint if exists "b", add constraint "a" CHECK ((x > 0)) not valid, add constraint "b" check ("c" is not null) not valid',
    );
    expect(validateConstraint(table, 'k')).toBe('alter table "s"."T" validate constraint "k"');
    expect(dropConstraintIfExists(table, 'k')).toBe('alter table "s"."T" drop constraint if exists "k"');
  });

  it('defines a foreign key, with its clauses only when there are some', () => {
    const fk = { columns: ['a', 'B'], references: { schema: 'r', name: 'U' }, referencedColumns: ['x', 'y'] };
    expect(foreignKeyDefinition({ ...fk, clauses: '' })).toBe('foreign key ("a", "B") references "r"."U" ("x", "y")');
    expect(foreignKeyDefinition({ ...fk, clauses: 'on delete cascade' })).toBe(
      'foreign key ("a", "B") references "r"."U" ("x", "y") on delete cascade',
    );
  });
});
