// The functions, operators and types an expression names, read from its parse tree: what a catalog
// lookup needs to judge its volatility without evaluating it. Names are as written (`["lower"]`,
// `["pg_catalog", "+"]`); the catalog resolves them. Operators hidden in syntax are named too: IN and
// NULLIF are `=`/`<>`, LIKE is `~~`, BETWEEN is `>=` and `<=`, a simple CASE compares with `=`.
import type { Node } from 'libpg-query';
import { stringsOf, walkNodes } from './parse-tree.js';

export interface CalledNames {
  readonly functions: readonly (readonly string[])[];
  readonly operators: readonly (readonly string[])[];
  readonly types: readonly (readonly string[])[];
}

const betweenOperators: Readonly<Record<string, readonly string[]>> = {
  AEXPR_BETWEEN: ['>=', '<='],
  AEXPR_BETWEEN_SYM: ['>=', '<='],
  AEXPR_NOT_BETWEEN: ['<', '>'],
  AEXPR_NOT_BETWEEN_SYM: ['<', '>'],
};

export function calledNames(expression: Node): CalledNames {
  const functions: string[][] = [];
  const operators: string[][] = [];
  const types: string[][] = [];
  const add = (into: string[][], names: string[] | undefined): void => {
    if (names !== undefined && names.length > 0) into.push(names);
  };
  walkNodes(expression, (tag, body) => {
    if (tag === 'FuncCall') add(functions, stringsOf(body.funcname as Node[] | undefined));
    if (tag === 'TypeCast') add(types, stringsOf((body.typeName as { names?: Node[] } | undefined)?.names));
    if (tag === 'CaseExpr' && body.arg !== undefined) operators.push(['=']);
    if (tag === 'A_Expr') {
      const between = betweenOperators[String(body.kind)];
      if (between !== undefined) for (const op of between) operators.push([op]);
      else add(operators, stringsOf(body.name as Node[] | undefined));
      // SIMILAR TO is `~` over the pattern PostgreSQL builds with similar_to_escape (similar_escape before 14).
      if (body.kind === 'AEXPR_SIMILAR') functions.push(['similar_to_escape'], ['similar_escape']);
    }
  });
  return { functions, operators, types };
}
