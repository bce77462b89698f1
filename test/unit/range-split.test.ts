// Work stealing's splits: the point lies strictly inside what the range has left, the split is one
// statement (exact SQL), and the task's progress neither jumps nor steps back across it.
import { describe, expect, it } from 'vitest';
import type { BackfillCursor } from '../../phases/backfill-engine/backfill-cursors.js';
import { splitCursorSql } from '../../phases/backfill-engine/cursor-split.js';
import type { KeyMeasure } from '../../phases/backfill-engine/key-measure.js';
import { KeyScale } from '../../phases/backfill-engine/key-scale.js';
import { integerMidpoint, middleKeyQuery, pageMidpoint } from '../../phases/backfill-engine/range-split-point.js';
import { TaskProgress } from '../../phases/backfill-engine/task-progress.js';

const table = { schema: 'app', name: 'Tickets' };
const store = { sql: undefined as never, schema: 'online_migrate' };

describe('split point', () => {
  it('an integer key splits at the arithmetic midpoint of (cursor, upper], strictly inside', () => {
    expect(integerMidpoint('100', '200')).toEqual({ at: ['150'], movedShare: 0.5 });
    expect(integerMidpoint('0', '3')).toEqual({ at: ['1'], movedShare: 2 / 3 });
    expect(integerMidpoint('-10', '10')).toEqual({ at: ['0'], movedShare: 0.5 });
    // bigint keys keep their precision near the type's limit.
    expect(integerMidpoint('9223372036854775000', '9223372036854775806')?.at).toEqual(['9223372036854775403']);
  });

  it('an integer range with no key strictly between its cursor and upper bound does not split', () => {
    expect(integerMidpoint('199', '200')).toBeNull();
    expect(integerMidpoint('200', '200')).toBeNull();
    expect(integerMidpoint('201', '200')).toBeNull();
  });

  it('ctid ranges split at the middle page of [next page, upper page)', () => {
    expect(pageMidpoint(10, 20)).toEqual({ at: ['15'], movedShare: 0.5 });
    expect(pageMidpoint(10, 13)).toEqual({ at: ['11'], movedShare: 2 / 3 });
    expect(pageMidpoint(10, 11)).toBeNull();
    expect(pageMidpoint(11, 11)).toBeNull();
  });

  it('other keys: the middle row left, in key order, read exactly over a bounded number of rows', () => {
    expect(middleKeyQuery({ table, key: [{ name: 'Code', type: 'text' }] }, false)).toBe(`select * from (
      select "Code"::text as k0, row_number() over (order by "Code")::float8 as rn, count(*) over ()::float8 as n
      from (select "Code" from "app"."Tickets" where "Code" > $1::text::text and "Code" <= $2::text::text order by "Code" limit $3::bigint) as online_left) as online_keys
    where rn = floor((n + 1) / 2) and rn < n`);
  });

  it('composite keys compare as a row; a large remainder is sampled', () => {
    const key = [
      { name: 'tenant', type: 'integer' },
      { name: 'id', type: 'uuid' },
    ];
    expect(middleKeyQuery({ table, key }, true)).toBe(`select * from (
      select "tenant"::text as k0, "id"::text as k1, row_number() over (order by "tenant", "id")::float8 as rn, count(*) over ()::float8 as n
      from (select "tenant", "id" from "app"."Tickets" tablesample system ($5::float8) where ("tenant", "id") > ($1::text::integer, $2::text::uuid) and ("tenant", "id") <= ($3::text::integer, $4::text::uuid)) as online_left) as online_keys
    where rn = floor((n + 1) / 2) and rn < n`);
  });
});

describe('the split statement', () => {
  it('shrinks the range and inserts the new cursor in one statement, guarded by the upper bound the worker knows', () => {
    expect(splitCursorSql(store)).toBe(`with shrunk as (
  update "online_migrate".backfill_cursors c set upper_bound = $5::text::jsonb, rows_estimated = greatest(0, c.rows_estimated - $6::bigint), updated_at = now()
  where c.migration = $1::text and c.task = $2::text and c.range_index = $3::int and not c.done and c.upper_bound = $4::text::jsonb
  returning c.migration, c.task, c.key_kind, c.key_columns, c.relation_file, c.batch_size)
insert into "online_migrate".backfill_cursors (migration, task, range_index, key_kind, key_columns, lower_bound, upper_bound, relation_file, position, rows_estimated, batch_size, done)
select s.migration, s.task, (select max(o.range_index) + 1 from "online_migrate".backfill_cursors o where o.migration = s.migration and o.task = s.task),
  s.key_kind, s.key_columns, $5::text::jsonb, $4::text::jsonb, s.relation_file, $5::text::jsonb, $6::bigint, s.batch_size, false
from shrunk s
returning range_index as "rangeIndex"`);
  });
});

/** A task's ranges as openRanges records them (each from its lower bound), 1000 rows estimated each. */
const ranges = (kind: BackfillCursor['kind'], ...bounds: (readonly string[] | null)[]): BackfillCursor[] =>
  bounds.slice(1).map(
    (upperBound, rangeIndex) =>
      ({
        task: 't',
        rangeIndex,
        kind,
        lowerBound: bounds[rangeIndex],
        upperBound,
        position: bounds[rangeIndex],
        rowsDone: 0,
        rowsEstimated: 1000,
        done: false,
      }) as BackfillCursor,
  );

const noStats = (leadingKeyType: string, floor: string | null): KeyMeasure => ({ leadingKeyType, floor, scale: null });
const withStats = (histogram: readonly string[]): KeyMeasure => ({
  leadingKeyType: 'bigint',
  floor: '1',
  scale: KeyScale.of({ nullFraction: 0, histogram: [...histogram], commonValues: [], commonFrequencies: [] }),
});

/**
 * Runs a batch of range 0 to `position` (`rows` updated), then splits it at `at` as the pool does;
 * returns the task's fraction before and after the split, and the progress.
 */
function splitAfterBatch(
  cursors: readonly BackfillCursor[],
  measure: KeyMeasure,
  batch: { readonly position: string[]; readonly rows: number },
  at: readonly string[],
): { before: number; after: number; progress: TaskProgress } {
  const progress = new TaskProgress('t', cursors, measure, null);
  progress.advance(0, batch.position, false, batch.rows, { ms: 0, stretch: 0 });
  const before = progress.fraction;
  progress.split(0, cursors.length, at, progress.rowsMoved(0, at, 0.5));
  return { before, after: progress.fraction, progress };
}

describe('progress across a split', () => {
  it('an integer key without statistics: the fraction stays, and the estimate moves in proportion', () => {
    const cursors = ranges('key', null, ['1000'], ['2000']);
    const { before, after, progress } = splitAfterBatch(cursors, noStats('bigint', '1'), { position: ['200'], rows: 200 }, ['600']);
    expect(after).toBeCloseTo(before, 4);
    expect(progress.rowsLeft(0)).toBeCloseTo(600 * (400 / 600), 0);
    expect(progress.span(0)).toMatchObject({ upperBound: ['600'], rowsEstimated: 600 });
    expect(progress.span(2)).toMatchObject({
      lowerBound: ['600'],
      position: ['600'],
      upperBound: ['1000'],
      rowsEstimated: 400,
      rowsDone: 0,
    });
    expect(progress.rowsEstimated).toBe(2000);
  });

  it('ctid pages: the fraction stays', () => {
    const { before, after } = splitAfterBatch(ranges('ctid', ['0'], ['100']), noStats('bigint', null), { position: ['30'], rows: 3000 }, [
      '65',
    ]);
    expect(after).toBeCloseTo(before, 4);
  });

  it('a text key (rows against estimates): the fraction stays', () => {
    const cursors = ranges('key', null, ['m'], ['z']);
    const { before, after } = splitAfterBatch(cursors, noStats('text', null), { position: ['d'], rows: 250 }, ['h']);
    expect(before).toBeGreaterThan(0.1);
    expect(after).toBeCloseTo(before, 4);
  });

  it('a skewed integer key with statistics: the shares add up, so the fraction stays', () => {
    // Half the rows in 1..1000, half spread over 1000..100000.
    const histogram = [
      ...Array.from({ length: 51 }, (_, i) => String(1 + i * 20)),
      ...Array.from({ length: 50 }, (_, i) => String(3000 + i * 2000)),
    ];
    const cursors = ranges('key', null, ['50000'], ['100000']);
    const { before, after, progress } = splitAfterBatch(cursors, withStats(histogram), { position: ['500'], rows: 500 }, ['25250']);
    expect(after).toBeCloseTo(before, 3);
    // What is left is counted in rows, by the statistics: about half the table's rows lie in range 0 still.
    expect(progress.rowsLeft(0) + progress.rowsLeft(2)).toBeGreaterThan(progress.rowsLeft(1));
  });

  it('statistics for some ranges only (one lies past the histogram, so ranges weigh by estimates): the fraction stays', () => {
    const histogram = Array.from({ length: 101 }, (_, i) => String(1 + i * 1000));
    const cursors = ranges('key', null, ['5000000'], ['10000000']);
    const { before, after } = splitAfterBatch(cursors, withStats(histogram), { position: ['30000'], rows: 300 }, ['2515000']);
    expect(before).toBeGreaterThan(0.1);
    expect(after).toBeCloseTo(before, 3);
  });
});
