// A spec draft as the YAML text of a spec file, with the comments a reviewer needs: a header naming the
// tool and the source file (and, when the migration was split, which part this is and why), then each
// operation with the source's comments, where it came from and what the importer did, above it.
// Fields equal to their defaults are left out (the spec's schema fills them back in the same way).
import { isDeepStrictEqual } from 'node:util';
import { Document, isMap, isSeq, type Node as YamlNode } from 'yaml';
import { operationSpec, type OperationSpec } from '../migration-spec/migration-spec.js';
import type { SourceMigration, SpecDraft } from './import-types.js';

export interface SpecYamlInput {
  readonly migration: SourceMigration;
  /** The spec's `name:` (the migration name online's ledger records). */
  readonly name: string;
  readonly draft: SpecDraft;
  /** 1-based part and the number of parts the source migration was split into. */
  readonly part: number;
  readonly parts: number;
  /** Comments after the source's last statement (written at the end of the last part). */
  readonly trailingComments: readonly string[];
  /** The `$schema` reference for editors, relative to the spec file. */
  readonly schemaRef: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The operation without the fields the schema would fill in with the same values. */
export function withoutDefaults(operation: OperationSpec): Json {
  const full = operationSpec.parse(operation);
  const candidate = structuredClone(operation) as unknown as { [key: string]: Json };
  const prune = (node: Json): void => {
    if (Array.isArray(node)) {
      for (const item of node) prune(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const key of Object.keys(node)) {
      if (key === 'op') continue;
      const value = node[key] as Json;
      delete node[key];
      const parsed = operationSpec.safeParse(candidate);
      if (!parsed.success || !isDeepStrictEqual(parsed.data, full)) {
        node[key] = value;
        prune(value);
      }
    }
  };
  prune(candidate);
  // Deleting and restoring moved restored keys last: put them back in the operation's own order.
  const ordered = (node: Json, like: unknown): Json => {
    if (Array.isArray(node)) return node.map((item, i) => ordered(item, Array.isArray(like) ? like[i] : undefined));
    if (typeof node !== 'object' || node === null) return node;
    const order = typeof like === 'object' && like !== null ? Object.keys(like) : Object.keys(node);
    return Object.fromEntries(
      order.filter((k) => k in node).map((k) => [k, ordered(node[k] as Json, (like as Record<string, unknown>)[k])]),
    );
  };
  return ordered(candidate, operation);
}

/** Comment text as the yaml package writes it: each line after `#`, with one space. */
const commentLines = (lines: readonly string[]): string =>
  lines
    .flatMap((l) => l.split('\n'))
    .flatMap((l) => wrap(l, 100))
    .map((l) => (l === '' ? '' : ` ${l}`))
    .join('\n');

/** A long line broken at spaces; continuation lines indented two spaces. */
function wrap(line: string, width: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(' ', width);
    if (cut <= 0) break;
    out.push(rest.slice(0, cut));
    rest = `  ${rest.slice(cut + 1)}`;
  }
  out.push(rest);
  return out;
}

export function specYaml(input: SpecYamlInput): string {
  const { migration, draft } = input;
  const header = [
    `yaml-language-server: $schema=${input.schemaRef}`,
    `Imported by online from the ${migration.tool} migration ${migration.id} (${migration.file}).`,
    ...(input.parts > 1
      ? [`Part ${input.part} of ${input.parts}${draft.splitReason === undefined ? '.' : `: ${draft.splitReason}.`}`]
      : []),
  ];
  const doc = new Document({ name: input.name, operations: draft.operations.map((d) => withoutDefaults(d.operation)) });
  doc.commentBefore = commentLines(header);
  const operations = doc.get('operations', true);
  if (isSeq(operations)) {
    operations.items.forEach((item, i) => {
      const comments = draft.operations[i]?.comments ?? [];
      if (isMap(item) && comments.length > 0) (item as YamlNode).commentBefore = commentLines(comments);
    });
  }
  if (input.part === input.parts && input.trailingComments.length > 0) doc.comment = commentLines(input.trailingComments);
  return doc.toString({ lineWidth: 0 });
}
