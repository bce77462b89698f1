// A partition bound as the spec gives it (`for values from ('2026-01-01') to ('2026-02-01')`, `for
// values in ('eu', null)`, `for values with (modulus 4, remainder 1)`, `default`), read by PostgreSQL's
// grammar inside a whole `ALTER TABLE … ATTACH PARTITION … <bound>` whose tree must have exactly that
// shape. Values must be plain literals: they are written back from the tree, never from the text.
import type { Node } from 'libpg-query';
import { quoteLiteral } from '../sql-text/literal.js';
import { SqlShapeError } from '../errors/index.js';
import { refuseCommentsAndLexicalErrors } from './lexical-checks.js';
import { parseSql } from './postgres-parser.js';

/** One value of a bound: a literal as SQL text (`'eu'`, `42`, `null`), or a range's MINVALUE/MAXVALUE. */
export type BoundValue = { readonly kind: 'literal'; readonly sql: string } | { readonly kind: 'minvalue' } | { readonly kind: 'maxvalue' };

export type PartitionBound =
  | { readonly strategy: 'range'; readonly from: readonly BoundValue[]; readonly to: readonly BoundValue[] }
  | { readonly strategy: 'list'; readonly values: readonly BoundValue[] }
  | { readonly strategy: 'hash'; readonly modulus: number; readonly remainder: number }
  | { readonly strategy: 'default' };

const parentPlaceholder = 'online_bound_parent';
const partitionPlaceholder = 'online_bound_partition';

/** Parses `text` as one partition bound; throws SqlShapeError (exit 2) for anything else. */
export async function parsePartitionBound(field: string, text: string): Promise<PartitionBound> {
  const statement = `alter table ${parentPlaceholder} attach partition ${partitionPlaceholder} ${text}`;
  const refuse = (reason: string): never => {
    throw new SqlShapeError(field, text, 'one partition bound', reason, 'bound');
  };
  await refuseCommentsAndLexicalErrors({ field, text, expected: 'one partition bound', noun: 'bound', standalone: true });
  const parsed = await parseSql(statement);
  if (!parsed.ok) return refuse(`it does not parse: ${parsed.message}`);
  const tree = parsed.statements.length === 1 ? parsed.statements[0]?.stmt : undefined;
  if (tree === undefined) return refuse('it holds more than one statement');
  const alter = 'AlterTableStmt' in tree ? tree.AlterTableStmt : undefined;
  const cmds = alter?.cmds ?? [];
  const cmd = cmds.length === 1 && cmds[0] !== undefined && 'AlterTableCmd' in cmds[0] ? cmds[0].AlterTableCmd : undefined;
  const def = cmd?.def !== undefined && 'PartitionCmd' in cmd.def ? cmd.def.PartitionCmd : undefined;
  if (
    alter?.relation?.relname !== parentPlaceholder ||
    alter.relation.schemaname !== undefined ||
    cmd?.subtype !== 'AT_AttachPartition' ||
    def?.name?.relname !== partitionPlaceholder ||
    def.name.schemaname !== undefined ||
    def.bound === undefined
  ) {
    return refuse(
      'it is not a partition bound (for values from (…) to (…), for values in (…), for values with (modulus …, remainder …), or default)',
    );
  }
  const bound = def.bound;
  if (bound.is_default === true) return { strategy: 'default' };
  switch (bound.strategy) {
    case 'r':
      return {
        strategy: 'range',
        from: (bound.lowerdatums ?? []).map((d) => boundValue(d, 'range', refuse)),
        to: (bound.upperdatums ?? []).map((d) => boundValue(d, 'range', refuse)),
      };
    case 'l':
      return { strategy: 'list', values: (bound.listdatums ?? []).map((d) => boundValue(d, 'list', refuse)) };
    case 'h':
      return { strategy: 'hash', modulus: bound.modulus ?? 0, remainder: bound.remainder ?? 0 };
    default:
      return refuse(`unknown partition strategy ${String(bound.strategy)}`);
  }
}

function boundValue(node: Node, strategy: 'range' | 'list', refuse: (reason: string) => never): BoundValue {
  if ('ColumnRef' in node && strategy === 'range') {
    const fields = node.ColumnRef.fields ?? [];
    const word = fields.length === 1 && fields[0] !== undefined && 'String' in fields[0] ? fields[0].String.sval : undefined;
    if (word === 'minvalue' || word === 'maxvalue') return { kind: word };
  }
  if ('A_Const' in node) {
    const c = node.A_Const;
    if (c.isnull === true) return { kind: 'literal', sql: 'null' };
    if (c.sval !== undefined) return { kind: 'literal', sql: quoteLiteral(c.sval.sval ?? '') };
    if (c.ival !== undefined) return { kind: 'literal', sql: String(c.ival.ival ?? 0) };
    if (c.fval !== undefined) return { kind: 'literal', sql: c.fval.fval ?? '0' };
    if (c.boolval !== undefined) return { kind: 'literal', sql: c.boolval.boolval === true ? 'true' : 'false' };
  }
  return refuse(
    `its values must be plain literals ('2026-01-01', 42${strategy === 'range' ? ', minvalue, maxvalue' : ', null'}): PostgreSQL converts them to the partition key's type`,
  );
}

/** The bound as SQL, written from the parsed values: what follows `ATTACH PARTITION <name>`. */
export function boundSql(bound: PartitionBound): string {
  const values = (list: readonly BoundValue[]): string => list.map((v) => (v.kind === 'literal' ? v.sql : v.kind)).join(', ');
  switch (bound.strategy) {
    case 'range':
      return `for values from (${values(bound.from)}) to (${values(bound.to)})`;
    case 'list':
      return `for values in (${values(bound.values)})`;
    case 'hash':
      return `for values with (modulus ${bound.modulus}, remainder ${bound.remainder})`;
    case 'default':
      return 'default';
  }
}
