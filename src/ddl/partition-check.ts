// The CHECK that states a partition bound the way PostgreSQL states it (get_qual_for_range/list/hash in
// partbounds.c), so that ATTACH PARTITION finds its partition constraint implied by a validated CHECK
// and skips its scan; and its negation, which does the same for the default partition's new constraint.
import type { BoundValue, PartitionBound } from '../sql-grammar/partition-bound.js';
import { quoteIdent } from '../sql-text/quote.js';

/** A partition key column: its name and `format_type`, which each bound value is cast to. */
export interface PartitionKeyColumn {
  readonly name: string;
  readonly type: string;
}

export interface PartitionKeyShape {
  readonly columns: readonly PartitionKeyColumn[];
  /** The parent's oid: a hash partition's constraint calls satisfies_hash_partition with it. */
  readonly parentOid: number;
}

/** The bound as a boolean expression over the key columns; undefined for `default`, which has none of its own. */
export function partitionCheck(key: PartitionKeyShape, bound: PartitionBound): string | undefined {
  const cols = key.columns.map((c) => quoteIdent(c.name));
  const value = (v: BoundValue, i: number): string =>
    v.kind === 'literal' ? `cast(${v.sql} as ${key.columns[i]?.type ?? 'text'})` : v.kind;
  switch (bound.strategy) {
    case 'default':
      return undefined;
    case 'hash':
      return `satisfies_hash_partition(${key.parentOid}::oid, ${bound.modulus}, ${bound.remainder}, ${cols.join(', ')})`;
    case 'list': {
      const col = cols[0] ?? '';
      const values = bound.values.filter((v) => !(v.kind === 'literal' && v.sql === 'null')).map((v) => value(v, 0));
      const hasNull = values.length < bound.values.length;
      const matches = values.length === 1 ? `${col} = ${values[0]}` : `${col} = any (array[${values.join(', ')}])`;
      if (values.length === 0) return `${col} is null`;
      return hasNull ? `(${col} is null or ${matches})` : `${col} is not null and ${matches}`;
    }
    case 'range':
      return rangeCheck(cols, bound.from, bound.to, value);
  }
}

/** NOT of the bound, for the default partition: true for rows the new partition would not take. */
export function excludedByBound(check: string): string {
  return `not (${check})`;
}

/**
 * Lexicographic, as PostgreSQL writes it: every key column NOT NULL; equal leading columns as `=`; then
 * `(a > al or (a = al and b >= bl))` for the lower bound and the same with `<` for the upper one; a
 * MINVALUE/MAXVALUE ends the arms, folded into the last finite value's operator (`a >= 1`, `a <= 2`).
 */
function rangeCheck(
  cols: readonly string[],
  from: readonly BoundValue[],
  to: readonly BoundValue[],
  value: (v: BoundValue, i: number) => string,
): string {
  const parts = cols.map((c) => `${c} is not null`);
  let i = 0;
  for (; i < cols.length; i++) {
    const lo = from[i];
    const hi = to[i];
    if (lo?.kind !== 'literal' || hi?.kind !== 'literal' || lo.sql !== hi.sql) break;
    parts.push(`${cols[i]} = ${value(lo, i)}`);
  }
  for (const [datums, strict, inclusive, opensUp] of [
    [from, '>', '>=', 'minvalue'],
    [to, '<', '<=', 'maxvalue'],
  ] as const) {
    const arms: string[] = [];
    for (let j = i; j < cols.length; j++) {
      const datum = datums[j];
      if (datum === undefined || datum.kind !== 'literal') break;
      const equal = [];
      for (let m = i; m < j; m++) equal.push(`${cols[m]} = ${value(datums[m] ?? datum, m)}`);
      // The last finite value: `>=` when the bound ends there (lower) or MINVALUE follows, `<=` when
      // MAXVALUE follows (upper); `<` when the upper bound ends there.
      const next = datums[j + 1];
      const last = j === cols.length - 1 || next?.kind !== 'literal';
      const op = !last ? strict : next === undefined ? (strict === '>' ? inclusive : strict) : next.kind === opensUp ? inclusive : strict;
      arms.push([...equal, `${cols[j]} ${op} ${value(datum, j)}`].join(' and '));
      if (last) break;
    }
    if (arms.length === 1) parts.push(arms[0] ?? '');
    if (arms.length > 1) parts.push(`(${arms.map((a) => (a.includes(' and ') ? `(${a})` : a)).join(' or ')})`);
  }
  return parts.join(' and ');
}
