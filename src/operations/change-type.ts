// change-type: change a column's type online, e.g. the integer primary key that is about to overflow to
// bigint on a billion-row table, without the full-table rewrite under ACCESS EXCLUSIVE that ALTER
// COLUMN TYPE does. The column is rebuilt as a shadow copy of the new type (see column-rebuild.ts for
// every step and lock), filled with `using` (default: the column itself, converted by assignment; pre-
// flight asks PostgreSQL whether ALTER COLUMN TYPE would accept that without USING, and refuses like it
// when not). `default` replaces an old default that does not suit the new type.
//
// Foreign keys come along: when the column is referenced by foreign keys, the referencing columns are
// changed to the same type in the same migration, through the same mechanism (transitively), unless
// they already have it; every such foreign key is re-created on the copies and validated before the
// swap. The swap of all tables is one transaction, so no writer ever sees a half-changed schema.
import { findColumn } from '../catalog/describe-table.js';
import { checkExpressionShape, resolveType } from '../preflight/expression-probe.js';
import { displayName, quoteIdent, sameName } from '../sql-text/quote.js';
import { canonicalTypeOnShadowCopy, refusalOnShadowCopy, shadowCopy } from '../preflight/shadow-copy-probe.js';
import { PreflightError } from '../errors/index.js';
import { z } from 'zod';
import { identifier, sqlExpression } from '../sql-text/identifier.js';
import { planColumnRebuild } from './column-rebuild.js';
import { shadowName } from '../ddl/object-names.js';
import { prepareColumnRebuild, readTarget } from './column-rebuild-preflight.js';
import type { Operation } from './operation.js';
import { columnFlag, defaultFlag, schemaFlag, tableFlag, typeFlag, usingFlag } from './shared-flags.js';
import { requireTable } from '../preflight/table-checks.js';

export const changeTypeSpec = z
  .object({
    op: z.literal('change-type'),
    schema: identifier.default('public').describe('schema of the table'),
    table: identifier.describe('table of the column'),
    column: identifier.describe('column whose type changes'),
    type: z.string().trim().min(1, 'must not be empty').describe('the new SQL type, e.g. bigint'),
    using: sqlExpression
      .optional()
      .describe(
        'SQL expression over the row giving the new value, e.g. status::int; default: the column, converted by assignment as ALTER COLUMN TYPE does',
      ),
    default: sqlExpression
      .optional()
      .describe('default of the column after the change; default: the old default, which must suit the new type'),
  })
  .strict();
export type ChangeTypeSpec = z.infer<typeof changeTypeSpec>;

export const changeType = {
  op: 'change-type',
  schema: changeTypeSpec,
  shorthand: [schemaFlag, tableFlag, columnFlag, typeFlag, usingFlag, defaultFlag],
  defaultName: (spec) => `change-type-${spec.table}-${spec.column}`,
  tables: (spec) => [{ schema: spec.schema, name: spec.table }],
  async prepare(ctx, spec) {
    const { sql } = ctx;
    const table = await requireTable(sql, { schema: spec.schema, name: spec.table });
    const column = findColumn(table, spec.column);
    if (column === undefined) throw new PreflightError('COLUMN_NOT_FOUND', `column ${spec.column} does not exist on ${displayName(table)}`);
    await resolveType(sql, spec.type);
    const type = await canonicalTypeOnShadowCopy(sql, table, spec.type);
    const c = quoteIdent(spec.column);
    if (spec.default !== undefined) await checkExpressionShape(sql, 'default', spec.default);
    if (spec.using === undefined) {
      if (type === column.type)
        throw new PreflightError('NOTHING_TO_DO', `column ${spec.column} of ${displayName(table)} is already ${type}`);
      const refusal = await refusalOnShadowCopy(sql, table, [], [`alter table ${shadowCopy} alter column ${c} type ${type}`]);
      if (refusal !== undefined) {
        throw new PreflightError(
          'INCOMPATIBLE_TYPE',
          `column ${spec.column} (${column.type}) of ${displayName(table)} cannot be converted to ${type} automatically: ${refusal}; give the conversion as using (--using), e.g. --using "nullif(${spec.column}, '')::${type}"`,
        );
      }
    } else {
      await checkExpressionShape(sql, 'using', spec.using);
    }
    const targets = [
      await readTarget(sql, {
        table,
        column: spec.column,
        shadow: shadowName(spec.column),
        type,
        using: spec.using ?? c,
        ...(spec.default === undefined ? {} : { default: spec.default }),
      }),
    ];
    // Referencing columns follow the referenced one to the new type, transitively.
    const cascaded: string[] = [];
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i];
      if (target === undefined) break;
      for (const fk of target.shape.foreignKeys) {
        const position = sameName(fk.references, target.table) ? fk.referencedColumns.indexOf(target.column) : -1;
        const referencing = fk.columns[position];
        if (referencing === undefined || targets.some((t) => sameName(t.table, fk.table) && t.column === referencing)) continue;
        const referencingTable = await requireTable(sql, fk.table);
        if (findColumn(referencingTable, referencing)?.type === type) continue;
        targets.push(
          await readTarget(sql, {
            table: referencingTable,
            column: referencing,
            shadow: shadowName(referencing),
            type,
            using: quoteIdent(referencing),
          }),
        );
        cascaded.push(
          `${displayName(fk.table)}.${referencing} also changes to ${type}: foreign key ${fk.name} references ${displayName(target.table)}.${target.column}`,
        );
      }
    }
    const { rebuild, warnings } = await prepareColumnRebuild(ctx, targets, { sync: 'one-way', renameShadow: true });
    const typesBefore = targets.map((t) => ({
      table: { schema: t.table.schema, name: t.table.name },
      column: t.column,
      type: t.shape.type,
      default: t.shape.default,
    }));
    return { ...planColumnRebuild(rebuild), warnings: [...cascaded, ...warnings], typesBefore };
  },
} satisfies Operation<ChangeTypeSpec>;
