// splitPointFor on real tables: for keys that are not a single integer, the split key is a row near the
// middle of what the range has left, strictly between its cursor and its upper bound, read exactly or
// from a sample; nothing when no row lies strictly inside.
import { beforeAll, describe, expect, it } from 'vitest';
import { splitPointFor } from '../../phases/backfill-engine/range-split-point.js';
import { useTestDatabase } from '../support/test-database.js';

const table = { schema: 'public', name: 'codes' };
const textKey = [{ name: 'code', type: 'text' }];
const compositeKey = [
  { name: 'tenant', type: 'integer' },
  { name: 'code', type: 'text' },
];
const span = (position: readonly string[], upper: readonly string[]) =>
  ({ kind: 'key', lowerBound: null, upperBound: upper, position }) as const;

describe('splitPointFor', () => {
  const db = useTestDatabase('range_split_point');
  beforeAll(async () => {
    await db.sql`create table codes (tenant int not null, code text not null, primary key (tenant, code))`;
    await db.sql`create unique index codes_code on codes (code)`;
    await db.sql`insert into codes select g % 4, 'k' || lpad(g::text, 5, '0') from generate_series(1, 20000) g`;
    await db.sql`analyze codes`;
  });

  it('a text key: the middle row left, exactly, strictly inside (cursor, upper]', async () => {
    const point = await splitPointFor(db.sql, { table, key: textKey }, span(['k01000'], ['k03000']), 2000, 20000);
    // Rows k01001..k03000: the 1000th of 2000 is k02000, and the upper part is half of them.
    expect(point).toEqual({ at: ['k02000'], movedShare: 0.5 });
  });

  it('a large remainder is read from a sample: still a row strictly inside, near the middle', async () => {
    const point = await splitPointFor(db.sql, { table, key: textKey }, span(['k00000'], ['k20000']), 500_000, 20000);
    const at = point?.at[0] ?? '';
    expect(at > 'k00000' && at < 'k20000').toBe(true);
    expect(at > 'k04000' && at < 'k16000').toBe(true);
    expect(point?.movedShare).toBeGreaterThan(0.4);
    expect(point?.movedShare).toBeLessThan(0.6);
  });

  it('a composite key compares as a row', async () => {
    const point = await splitPointFor(db.sql, { table, key: compositeKey }, span(['1', 'k00001'], ['2', 'k00002']), 5000, 20000);
    // Tenant 1 holds the 5000 codes g with g % 4 = 1; after (1, k00001) 4999 rows, then (2, k00002).
    expect(point?.at[0]).toBe('1');
    expect(point?.movedShare).toBeCloseTo(0.5, 2);
  });

  it('no split when no row lies strictly between the cursor and the upper bound', async () => {
    expect(await splitPointFor(db.sql, { table, key: textKey }, span(['k01000'], ['k01001']), 1, 20000)).toBeNull();
    expect(await splitPointFor(db.sql, { table, key: textKey }, span(['k01000'], ['k01000a']), 0, 20000)).toBeNull();
  });

  it('no split of a first range before its first batch (no position yet)', async () => {
    expect(
      await splitPointFor(
        db.sql,
        { table, key: textKey },
        { kind: 'key', lowerBound: null, upperBound: ['k05000'], position: null },
        5000,
        20000,
      ),
    ).toBeNull();
  });
});
