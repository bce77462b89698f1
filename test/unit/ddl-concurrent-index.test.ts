// The DDL vocabulary of indexes built and dropped CONCURRENTLY: the exact SQL.
import { describe, expect, it } from 'vitest';
import { createIndexConcurrently, dropIndexConcurrently } from '../../src/ddl/concurrent-index.js';

describe('ddl: concurrent indexes', () => {
  it('builds in the table schema, unique only when asked, and drops by qualified name if it exists', () => {
    const table = { schema: 's', name: 'T' };
    expect(createIndexConcurrently({ name: 'i"x', table, unique: true, body: 'using btree ("a")' })).toBe(
      'create unique index concurrently "i""x" on "s"."T" using btree ("a")',
    );
    expect(createIndexConcurrently({ name: 'i', table, unique: false, body: 'using gin ("b")' })).toBe(
      'create index concurrently "i" on "s"."T" using gin ("b")',
    );
    expect(dropIndexConcurrently({ schema: 's', name: 'i' })).toBe('drop index concurrently if exists "s"."i"');
  });
});
