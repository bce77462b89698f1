// Views and materialized views of the copy, as pg_get_viewdef writes them, oldest first (a view over
// a newer one waits for it). A materialized view the target has populated is populated from the
// copy's rows: empty without a sample.
import type { TransactionSql } from '../db/connect.js';
import { displayName, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import type { CopyStatement } from './schema-copy-statements.js';

interface ViewRow extends QualifiedName {
  readonly kind: 'v' | 'm';
  readonly def: string;
  readonly options: string[] | null;
  readonly populated: boolean;
}

export async function viewStatements(tx: TransactionSql, schemas: readonly string[]): Promise<CopyStatement[]> {
  const rows = await tx<ViewRow[]>`
    select n.nspname as schema, c.relname as name, c.relkind::text as kind, pg_get_viewdef(c.oid) as def,
           c.reloptions::text[] as options, c.relispopulated as populated
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('v', 'm') and n.nspname = any(${schemas as string[]})
       and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
     order by c.oid`;
  return rows.map((view) => {
    const query = view.def.trim().replace(/;$/, '');
    const options = view.options === null || view.options.length === 0 ? '' : ` with (${view.options.join(', ')})`;
    return view.kind === 'v'
      ? { kind: 'view', name: displayName(view), sql: `create view ${quoteQualified(view)}${options} as ${query}` }
      : {
          kind: 'materialized view',
          name: displayName(view),
          sql: `create materialized view ${quoteQualified(view)}${options} as ${query} with ${view.populated ? '' : 'no '}data`,
        };
  });
}
