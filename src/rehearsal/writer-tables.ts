// What the synthetic writer can write to a table, read from the copy's catalog: a column it can set to
// itself, and whether (and how) it can insert a row of made-up values.
import { z } from 'zod';
import type { Sql } from '../db/connect.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';

export interface WriterTable {
  readonly table: QualifiedName;
  /** `update … set c = c` on a random row; null when no column can be set (all generated or identity always). */
  readonly updateColumn: string | null;
  /** An INSERT of made-up values, or null with the reason it cannot be made. */
  readonly insert: string | null;
  readonly cannotInsert: string | null;
}

const columnRow = z.object({
  name: z.string(),
  notNull: z.boolean(),
  hasDefault: z.boolean(),
  identity: z.string(),
  generated: z.string(),
  category: z.string(),
  type: z.string(),
});

/** A value of the column's type category, distinct per row where it can be (unique constraints). */
const madeUpValue: Readonly<Record<string, (type: string) => string>> = {
  S: (type) => `cast('rehearsal ' || md5(random()::text) as ${type})`,
  N: (type) => `cast(floor(random() * 1000000) as ${type})`,
  B: (type) => `cast(false as ${type})`,
  D: (type) => `cast(now() as ${type})`,
  E: (type) => `(enum_range(null::${type}))[1]`,
};

/**
 * Reads the table's columns. The column updated is the first one the spec does not name (a column the
 * migration drops or renames would fail an unaware writer by design, not by a lock), else the first
 * settable one.
 */
export async function describeWriterTable(copy: Sql, table: QualifiedName, namedBySpec: ReadonlySet<string>): Promise<WriterTable> {
  const columns = z.array(columnRow).parse(
    await copy`
      select a.attname as name, a.attnotnull as "notNull", a.atthasdef as "hasDefault", a.attidentity as identity,
             a.attgenerated as generated, t.typcategory as category, format_type(a.atttypid, a.atttypmod) as type
      from pg_attribute a join pg_type t on t.oid = a.atttypid
      where a.attrelid = ${quoteQualified(table)}::regclass and a.attnum > 0 and not a.attisdropped
      order by a.attnum`,
  );
  const settable = columns.filter((c) => c.generated === '' && c.identity !== 'a');
  const updateColumn = (settable.find((c) => !namedBySpec.has(c.name)) ?? settable[0])?.name ?? null;
  const needed = columns.filter((c) => c.notNull && !c.hasDefault && c.identity === '' && c.generated === '');
  const missing = needed.find((c) => madeUpValue[c.category] === undefined);
  if (missing !== undefined) {
    return { table, updateColumn, insert: null, cannotInsert: `no value made up for ${missing.name} (${missing.type})` };
  }
  const insert =
    needed.length === 0
      ? `insert into ${quoteQualified(table)} default values`
      : `insert into ${quoteQualified(table)} (${needed.map((c) => quoteIdent(c.name)).join(', ')}) values (${needed
          .map((c) => madeUpValue[c.category]!(c.type))
          .join(', ')})`;
  return { table, updateColumn, insert, cannotInsert: null };
}
