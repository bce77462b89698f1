// What `stamp` compares with the live schema before recording specs as applied: the cheap, certain
// facts of a spec (the tables create-table makes, the columns add-column adds, named indexes, and what a
// drop removes). Differences are warnings, not refusals: stamping is the user's statement that the
// schema is already there, and online cannot prove that (types, defaults and constraints are not
// compared); it only catches the obvious mistakes, such as stamping against the wrong database.
import { describeTable, findColumn } from '../catalog/describe-table.js';
import { relationExists } from '../catalog/read-index.js';
import type { Sql } from '../db/connect.js';
import type { OperationSpec } from '../operations/index.js';
import type { SpecFile } from '../migration-spec/spec-directory.js';
import { displayName } from '../sql-text/quote.js';

/** One line per difference found, naming the file and what the spec would have made. */
export async function stampWarnings(sql: Sql, files: readonly SpecFile[]): Promise<string[]> {
  const warnings: string[] = [];
  for (const file of files) {
    for (const op of file.spec.operations) {
      const problem = await differenceOf(sql, op);
      if (problem !== undefined) warnings.push(`${file.file}: ${problem}`);
    }
  }
  return warnings;
}

async function differenceOf(sql: Sql, op: OperationSpec): Promise<string | undefined> {
  switch (op.op) {
    case 'create-table': {
      const table = displayName({ schema: op.schema, name: op.table });
      return (await relationExists(sql, op.schema, op.table)) ? undefined : `table ${table} does not exist (create-table would create it)`;
    }
    case 'add-column':
      return (await columnExists(sql, op.schema, op.table, op.column))
        ? undefined
        : `column ${displayName({ schema: op.schema, name: op.table })}.${op.column} does not exist (add-column would add it)`;
    case 'create-index':
      if (op.name === undefined || (await relationExists(sql, op.schema, op.name))) return undefined;
      return `index ${displayName({ schema: op.schema, name: op.name })} does not exist (create-index would build it)`;
    case 'drop-table': {
      const table = displayName({ schema: op.schema, name: op.table });
      return (await relationExists(sql, op.schema, op.table)) ? `table ${table} still exists (drop-table would drop it)` : undefined;
    }
    case 'drop-column':
      return (await columnExists(sql, op.schema, op.table, op.column))
        ? `column ${displayName({ schema: op.schema, name: op.table })}.${op.column} still exists (drop-column would drop it)`
        : undefined;
    default:
      return undefined;
  }
}

async function columnExists(sql: Sql, schema: string, table: string, column: string): Promise<boolean> {
  const info = await describeTable(sql, { schema, name: table });
  return info !== undefined && findColumn(info, column) !== undefined;
}
