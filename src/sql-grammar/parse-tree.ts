// Generic walks over a parse tree as libpg-query returns it: plain JSON in which every node is an
// object with one key, its type name (`{ "ColumnRef": { … } }`).
import type { Node } from 'libpg-query';

type Json = unknown;

/** The node's type name and body, when `value` is a node. */
function asNode(value: Json): { readonly tag: string; readonly body: Record<string, Json> } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const tag = keys[0];
  if (keys.length !== 1 || tag === undefined || !/^[A-Z]/.test(tag)) return undefined;
  const body = (value as Record<string, Json>)[tag];
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? { tag, body: body as Record<string, Json> } : undefined;
}

/** Calls `visit` for every node in the tree, outermost first. */
export function walkNodes(tree: Json, visit: (tag: string, body: Record<string, Json>) => void): void {
  const node = asNode(tree);
  if (node !== undefined) visit(node.tag, node.body);
  if (Array.isArray(tree)) {
    for (const item of tree) walkNodes(item, visit);
  } else if (typeof tree === 'object' && tree !== null) {
    for (const child of Object.values(tree)) walkNodes(child, visit);
  }
}

/** The tag of a node, e.g. `SelectStmt`. */
export function tagOf(node: Node): string {
  return Object.keys(node)[0] ?? '';
}

/** The `sval`s of a list of String nodes (a qualified name: `["pg_catalog", "lower"]`); undefined if any item is not a String. */
export function stringsOf(list: readonly Node[] | undefined): string[] | undefined {
  const names: string[] = [];
  for (const item of list ?? []) {
    if (!('String' in item)) return undefined;
    names.push(item.String.sval ?? '');
  }
  return names;
}

const positionKeys = /^(location|stmt_location|stmt_len|rexpr_list_start|rexpr_list_end)$/;

/** The tree without its positions, to compare what two texts mean rather than where they say it. */
export function withoutPositions(tree: Json): Json {
  if (Array.isArray(tree)) return tree.map(withoutPositions);
  if (typeof tree !== 'object' || tree === null) return tree;
  return Object.fromEntries(
    Object.entries(tree)
      .filter(([key]) => !positionKeys.test(key))
      .map(([key, value]) => [key, withoutPositions(value)]),
  );
}
