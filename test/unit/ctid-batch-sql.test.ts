// The ctid batch statement, exact: a TID range scan over [from, to) pages, gated on the relation file its
// range's pages were counted in, in the same statement as the cursor advance, which the gate also holds.
import { describe, expect, it } from 'vitest';
import { batchWithCursorAdvance } from '../../phases/backfill-engine/backfill-cursors.js';
import { ctidUpdate, sameRelationFile } from '../../phases/backfill-engine/ctid-sql.js';

const store = { sql: undefined as never, schema: 'online_migrate' };
const task = { table: { schema: 'app', name: 'Tickets' }, set: '"priority" = (1)', needsWork: '"priority" is null' };

describe('the ctid batch statement', () => {
  it('updates the pages of the range that need work, only while the table is in the same relation file', () => {
    expect(ctidUpdate(task)).toBe(
      `update "app"."Tickets" set "priority" = (1) where ctid >= ('(' || $1::bigint || ',0)')::tid and ctid < ('(' || $2::bigint || ',0)')::tid and ("priority" is null) and pg_relation_filenode($3::text::regclass)::bigint = $4::bigint`,
    );
  });

  it('advances the cursor under the same gate, so a rewritten table changes nothing and returns no row', () => {
    const statement = batchWithCursorAdvance(store, ctidUpdate(task), 5, sameRelationFile(3, 4));
    expect(statement.split('\n').at(-2)).toBe(
      'where c.migration = $8::text and c.task = $9::text and c.range_index = $10::int and pg_relation_filenode($3::text::regclass)::bigint = $4::bigint',
    );
    expect(statement).toContain('set position = $5::text::jsonb');
    // A keyset batch has no gate.
    expect(batchWithCursorAdvance(store, 'update t set a = 1', 3).split('\n').at(-2)).toBe(
      'where c.migration = $6::text and c.task = $7::text and c.range_index = $8::int',
    );
  });
});
