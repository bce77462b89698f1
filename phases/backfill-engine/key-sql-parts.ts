// The pieces of SQL text over a table's key that the reads of key ranges share (their splits at start,
// a running range's split point): the quoted column list, the row it compares as, a bound cast back from
// text parameters (`$n::text::<type>`, see key-ranges.ts), and the key read back as `k0, k1, …` text.
import type { KeyColumn } from '../../src/catalog/describe-table.js';
import { quoteIdent } from '../../src/sql-text/quote.js';

export interface KeySqlParts {
  /** The quoted columns, one by one. */
  readonly names: readonly string[];
  /** `"a", "b"`: a select list, an ORDER BY. */
  readonly list: string;
  /** `("a", "b")`, or `"a"` alone: the left side of a row comparison. */
  readonly tuple: string;
  /** `"a"::text as k0, "b"::text as k1`: the key as text, which keyValues (keyset-sql.ts) reads back. */
  readonly asText: string;
  /** `($1::text::bigint, $2::text::text)` from parameter `first` on (a single column without parentheses). */
  bound(first: number): string;
}

export function keySqlParts(key: readonly KeyColumn[]): KeySqlParts {
  const names = key.map((k) => quoteIdent(k.name));
  const list = names.join(', ');
  return {
    names,
    list,
    tuple: names.length === 1 ? list : `(${list})`,
    asText: names.map((n, i) => `${n}::text as k${i}`).join(', '),
    bound(first) {
      const casts = key.map((k, i) => `$${first + i}::text::${k.type}`);
      return casts.length === 1 ? (casts[0] as string) : `(${casts.join(', ')})`;
    },
  };
}
