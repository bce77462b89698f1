// The DDL vocabulary of sample queries: the rows a failed step is shown with, by their keys.
import { describe, expect, it } from 'vitest';
import { orphanRowsQuery, sampleKeys, sampleRowsQuery } from '../../src/ddl/sample-keys.js';

const table = { schema: 's', name: 'T' };

describe('ddl: sample keys', () => {
  it('shows each key column as text under its own name, or ctid on a keyless table', () => {
    expect(sampleKeys(['id', 'Te"n'])).toBe('"id"::text as "id", "Te""n"::text as "Te""n"');
    expect(sampleKeys(['id'], 'a')).toBe('a."id"::text as "id"');
    expect(sampleKeys([])).toBe('ctid::text as ctid');
    expect(sampleKeys([], 'r')).toBe('r.ctid::text as ctid');
  });

  it('samples five rows matching a condition, with more columns and an alias when asked', () => {
    expect(sampleRowsQuery({ table, key: ['id'], where: '"c" is null' })).toBe(
      'select "id"::text as "id" from "s"."T" where "c" is null limit 5',
    );
    expect(sampleRowsQuery({ table, alias: 'r', key: [], also: 'f(r) as reason', where: 'f(r) is not null' })).toBe(
      'select r.ctid::text as ctid, f(r) as reason from "s"."T" r where f(r) is not null limit 5',
    );
  });

  it('samples the orphans of a foreign key: no match, and no NULL in the referencing columns', () => {
    expect(orphanRowsQuery(table, ['a', 'b'], { schema: 's', name: 'U' }, ['x', 'y'])).toBe(
      'select a."a"::text as "a", a."b"::text as "b" from "s"."T" a left join "s"."U" r on r."x" = a."a" and r."y" = a."b" ' +
        'where r."x" is null and a."a" is not null and a."b" is not null limit 5',
    );
  });
});
