// splitKeyRanges against real tables of every key shape: the ranges are contiguous, cover the key
// space up to the upper bound, put every row in exactly one range, and are balanced.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTable, type KeyColumn } from '../../src/catalog/describe-table.js';
import { splitKeyRanges, type KeyRange } from '../../phases/backfill-engine/key-ranges.js';
import { keysetQueries, keyValues } from '../../phases/backfill-engine/keyset-sql.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../../src/sql-text/quote.js';
import { InvalidOptionError } from '../../src/errors/index.js';
import { useTestDatabase } from '../support/test-database.js';

interface Split {
  readonly key: readonly KeyColumn[];
  readonly upper: readonly string[];
  readonly ranges: readonly KeyRange[];
  /** Rows per range, in range order. */
  readonly counts: readonly number[];
  readonly total: number;
  /** Statements splitKeyRanges sent, to tell the exact path from the sampled one. */
  readonly statements: readonly string[];
}

describe('splitKeyRanges', () => {
  const db = useTestDatabase('key_ranges');
  let sql: postgres.Sql;
  let statements: string[] = [];
  beforeAll(async () => {
    sql = postgres(db.url, { max: 2, prepare: false, onnotice: () => undefined, debug: (_c, query) => void statements.push(query) });
  });
  afterAll(async () => {
    await sql.end({ timeout: 5 });
  });

  /** Splits the table at its current last key and counts the rows of each range with keyset-sql.ts's row comparison. */
  async function split(name: string, count: number): Promise<Split> {
    const table: QualifiedName = { schema: 'public', name };
    const key = (await describeTable(db.sql, table))?.key?.columns ?? [];
    expect(key.length).toBeGreaterThan(0);
    const queries = keysetQueries({ table, key, set: 'unused', needsWork: 'true' });
    const [last] = await db.sql.unsafe<Record<string, unknown>[]>(queries.upperBound);
    expect(last).toBeDefined();
    const upper = keyValues(last ?? {}, key.length);
    statements = [];
    const ranges = await splitKeyRanges(sql, { table, key }, upper, count);
    // Only the split's own statements, not the type lookup postgres.js runs on a new connection.
    const seen = statements.filter((q) => q.includes(quoteQualified(table)));
    const counts: number[] = [];
    for (const range of ranges) {
      const [row] = await db.sql.unsafe<{ n: number }[]>(
        `select count(*)::int as n from ${quoteQualified(table)} where ${inRange(key, range, 1)}`,
        [...(range.lower ?? []), ...range.upper],
      );
      counts.push(row?.n ?? -1);
    }
    const [all] = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${quoteQualified(table)}`);
    return { key, upper, ranges, counts, total: all?.n ?? -1, statements: seen };
  }

  /** The ranges chain from null to upper, each row is in exactly one of them, and none is empty. */
  async function expectPartition(name: string, s: Split, count: number): Promise<void> {
    expect(s.ranges.length).toBeGreaterThanOrEqual(1);
    expect(s.ranges.length).toBeLessThanOrEqual(count);
    expect(s.ranges[0]?.lower).toBeNull();
    s.ranges.forEach((range, i) => {
      if (i > 0) expect(range.lower).toEqual(s.ranges[i - 1]?.upper);
      expect(range.upper).toHaveLength(s.key.length);
    });
    expect(s.ranges.at(-1)?.upper).toEqual(s.upper);
    expect(new Set(s.ranges.map((r) => JSON.stringify(r.upper))).size).toBe(s.ranges.length);
    expect(s.counts.reduce((a, b) => a + b, 0)).toBe(s.total);
    const params: string[] = [];
    const hits = s.ranges.map((range) => {
      const condition = inRange(s.key, range, params.length + 1);
      params.push(...(range.lower ?? []), ...range.upper);
      return `(${condition})::int`;
    });
    const [row] = await db.sql.unsafe<{ wrong: number }[]>(
      `select count(*) filter (where hits <> 1)::int as wrong from (select ${hits.join(' + ')} as hits from ${quoteIdent(name)}) as h`,
      params,
    );
    expect(row?.wrong).toBe(0);
  }

  it('splits a bigint key evenly from its minimum with one read', async () => {
    await db.sql`create table big_ids (id bigint primary key, body text)`;
    await db.sql`insert into big_ids select g, 'b' || g from generate_series(9000000001, 9000010000) g`;
    const s = await split('big_ids', 4);
    await expectPartition('big_ids', s, 4);
    expect(s.counts).toEqual([2500, 2500, 2500, 2500]);
    expect(s.ranges.map((r) => r.upper[0])).toEqual(['9000002500', '9000005000', '9000007500', '9000010000']);
    expect(s.statements).toHaveLength(1);
    expect(s.statements[0]).toMatch(/select min\("id"\)/);
  });

  it('splits an integer key with gaps at values that need not exist, every row in one range', async () => {
    await db.sql`create table gappy (id integer primary key)`;
    await db.sql`insert into gappy select g * g from generate_series(3, 700) g where g % 7 <> 0`;
    await db.sql`insert into gappy values (-50), (2000000000)`;
    const s = await split('gappy', 5);
    await expectPartition('gappy', s, 5);
    expect(s.ranges).toHaveLength(5);
    const ends = s.ranges.map((r) => BigInt(r.upper[0] ?? ''));
    ends.slice(1).forEach((end, i) => expect(end > (ends[i] ?? end)).toBe(true));
    expect(s.ranges[0]?.upper).toEqual([String(-50 + 400_000_010 - 1)]);
  });

  it('splits a smallint key and casts boundaries back to smallint', async () => {
    await db.sql`create table tiny (id smallint primary key)`;
    await db.sql`insert into tiny select g from generate_series(-32768, 32767, 3) g`;
    const s = await split('tiny', 3);
    await expectPartition('tiny', s, 3);
    expect(s.ranges).toHaveLength(3);
  });

  it('splits a uuid key at exact quantiles', async () => {
    await db.sql`create table tokens (id uuid primary key default gen_random_uuid(), n int not null)`;
    await db.sql`insert into tokens (n) select g from generate_series(1, 5000) g`;
    const s = await split('tokens', 4);
    await expectPartition('tokens', s, 4);
    expect(s.counts).toEqual([1250, 1250, 1250, 1250]);
    expect(s.statements.join('\n')).not.toMatch(/tablesample/i);
  });

  it('splits a text key in its column collation (ICU, case-insensitive order), not in C or JavaScript order', async () => {
    await db.sql`create table words (word text collate "en-x-icu" primary key)`;
    // 'apple' < 'Banana' < 'cherry' in en-x-icu; in C order every capital sorts before every lowercase letter.
    await db.sql`
      insert into words
      select case when g % 2 = 0 then upper(w) else w end || g
      from generate_series(1, 4000) g, lateral (select chr(97 + g % 26) || 'ord') as l(w)`;
    const [order] = await db.sql<{ icu: boolean }[]>`select 'apple' < ('Banana' collate "en-x-icu") as icu`;
    expect(order?.icu).toBe(true);
    const s = await split('words', 4);
    await expectPartition('words', s, 4);
    expect(s.counts).toEqual([1000, 1000, 1000, 1000]);
    const boundaryLetters = s.ranges.slice(0, -1).map((r) => (r.upper[0] ?? '').toLowerCase()[0]);
    expect(boundaryLetters).toEqual([...boundaryLetters].sort());
  });

  it('splits a composite (text, integer) key compared as a row', async () => {
    await db.sql`create table ticket_tags (tag text not null, ticket_id int not null, primary key (tag, ticket_id))`;
    await db.sql`insert into ticket_tags select 'tag ' || (g % 37), g from generate_series(1, 6000) g`;
    const s = await split('ticket_tags', 3);
    await expectPartition('ticket_tags', s, 3);
    expect(s.counts).toEqual([2000, 2000, 2000]);
  });

  it('splits numeric and timestamptz keys in type order', async () => {
    await db.sql`create table amounts (amount numeric primary key)`;
    await db.sql`insert into amounts select (g - 500) / 8.0 from generate_series(1, 1000) g`;
    const a = await split('amounts', 4);
    await expectPartition('amounts', a, 4);
    expect(a.counts).toEqual([250, 250, 250, 250]);
    await db.sql`create table events (at timestamptz primary key)`;
    await db.sql`insert into events select timestamptz '2024-01-01 00:00:00.000001+00' + g * interval '1 second 7 microseconds' from generate_series(1, 1000) g`;
    const e = await split('events', 5);
    await expectPartition('events', e, 5);
    expect(e.counts).toEqual([200, 200, 200, 200, 200]);
    expect(e.ranges[0]?.upper).toEqual(['2024-01-01 00:03:20.001401+00']);
  });

  it('keeps microseconds and booleans of a composite (timestamp, boolean) key intact', async () => {
    await db.sql`create table readings (at timestamp not null, ok boolean not null, primary key (at, ok))`;
    await db.sql`insert into readings select timestamp '2024-03-01' + (g / 2) * interval '3 microseconds', g % 2 = 0 from generate_series(1, 2000) g`;
    const s = await split('readings', 4);
    await expectPartition('readings', s, 4);
    expect(s.counts).toEqual([500, 500, 500, 500]);
    expect(s.ranges[0]?.upper).toEqual(['2024-03-01 00:00:00.00075', 'false']);
  });

  it('samples a large table with TABLESAMPLE, sorted in SQL, and keeps the ranges balanced', async () => {
    await db.sql`create table big_tokens (id uuid primary key, n int not null)`;
    await db.sql`insert into big_tokens select gen_random_uuid(), g from generate_series(1, 150000) g`;
    await db.sql`analyze big_tokens`;
    const s = await split('big_tokens', 4);
    await expectPartition('big_tokens', s, 4);
    expect(s.statements.join('\n')).toMatch(/tablesample system/i);
    expect(s.ranges).toHaveLength(4);
    for (const n of s.counts) expect(n).toBeLessThanOrEqual(2 * (150_000 / 4));
    for (const n of s.counts) expect(n).toBeGreaterThan(0);
  });

  it('samples a large never-analyzed composite-key table too', async () => {
    await db.sql`create table big_pairs (region text not null, seq int not null, primary key (region, seq))`;
    await db.sql`insert into big_pairs select 'r' || (g % 50), g from generate_series(1, 300000) g`;
    const [stats] = await db.sql<{ reltuples: number }[]>`select reltuples::float8 as reltuples from pg_class where relname = 'big_pairs'`;
    expect(stats?.reltuples).toBe(-1);
    const s = await split('big_pairs', 6);
    await expectPartition('big_pairs', s, 6);
    expect(s.statements.join('\n')).toMatch(/tablesample system/i);
    for (const n of s.counts) expect(n).toBeLessThanOrEqual(2 * (300_000 / 6));
  });

  it('balances a large uniform bigint table without sampling', async () => {
    await db.sql`create table big_serial (id bigint primary key)`;
    await db.sql`insert into big_serial select g from generate_series(1, 150000) g`;
    const s = await split('big_serial', 4);
    await expectPartition('big_serial', s, 4);
    expect(s.counts).toEqual([37500, 37500, 37500, 37500]);
  });

  it('returns no more ranges than rows, still covering everything', async () => {
    await db.sql`create table three_ints (id int primary key)`;
    await db.sql`insert into three_ints values (10), (11), (12)`;
    const ints = await split('three_ints', 8);
    await expectPartition('three_ints', ints, 8);
    expect(ints.ranges.length).toBeLessThanOrEqual(3);
    expect(ints.counts.every((n) => n === 1)).toBe(true);

    await db.sql`create table three_words (word text primary key)`;
    await db.sql`insert into three_words values ('b'), ('a'), ('c')`;
    const words = await split('three_words', 8);
    await expectPartition('three_words', words, 8);
    expect(words.ranges).toEqual([
      { lower: null, upper: ['a'] },
      { lower: ['a'], upper: ['b'] },
      { lower: ['b'], upper: ['c'] },
    ]);
  });

  it('returns one range for a one-row table', async () => {
    await db.sql`create table one_int (id bigint primary key)`;
    await db.sql`insert into one_int values (42)`;
    const ints = await split('one_int', 4);
    expect(ints.ranges).toEqual([{ lower: null, upper: ['42'] }]);
    await db.sql`create table one_uuid (id uuid primary key)`;
    await db.sql`insert into one_uuid values ('00000000-0000-0000-0000-000000000001')`;
    const uuids = await split('one_uuid', 4);
    expect(uuids.ranges).toEqual([{ lower: null, upper: ['00000000-0000-0000-0000-000000000001'] }]);
  });

  it('returns the whole key space for count 1 without reading the table', async () => {
    const table = { schema: 'public', name: 'no_such_table' };
    statements = [];
    const ranges = await splitKeyRanges(sql, { table, key: [{ name: 'id', type: 'bigint' }] }, ['7'], 1);
    expect(ranges).toEqual([{ lower: null, upper: ['7'] }]);
    expect(statements).toEqual([]);
  });

  it('returns one range when every row up to the bound was deleted since it was captured', async () => {
    await db.sql`create table drained (id bigint primary key)`;
    await db.sql`insert into drained select g from generate_series(1, 100) g`;
    const key = [{ name: 'id', type: 'bigint' }];
    await db.sql`delete from drained where id <= 100`;
    await db.sql`insert into drained values (500)`;
    expect(await splitKeyRanges(sql, { table: { schema: 'public', name: 'drained' }, key }, ['100'], 4)).toEqual([
      { lower: null, upper: ['100'] },
    ]);
  });

  it('rejects a count that is not a positive integer', async () => {
    const source = { table: { schema: 'public', name: 'big_ids' }, key: [{ name: 'id', type: 'bigint' }] };
    await expect(splitKeyRanges(sql, source, ['1'], 0)).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(splitKeyRanges(sql, source, ['1'], 2.5)).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(splitKeyRanges(sql, source, ['1', '2'], 2)).rejects.toBeInstanceOf(InvalidOptionError);
  });
});

/**
 * `key > lower and key <= upper` as keyset-sql.ts compares keys: as a row, parameters cast to the column
 * types, through text so that postgres.js sends timestamps as they are rather than through a Date.
 */
function inRange(key: readonly KeyColumn[], range: KeyRange, first: number): string {
  const names = key.map((k) => quoteIdent(k.name));
  const tuple = names.length === 1 ? (names[0] as string) : `(${names.join(', ')})`;
  const params = (from: number): string => {
    const ps = key.map((k, i) => `$${from + i}::text::${k.type}`);
    return ps.length === 1 ? (ps[0] as string) : `(${ps.join(', ')})`;
  };
  if (range.lower === null) return `${tuple} <= ${params(first)}`;
  return `${tuple} > ${params(first)} and ${tuple} <= ${params(first + key.length)}`;
}
