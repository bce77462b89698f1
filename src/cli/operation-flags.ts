// `online start <op> --…`: each operation's spec fields as flags, as its file declares them (its
// `shorthand`: `columns: [a, b]` is `--columns a,b`; `references.table` is `--references-table`;
// `nullable: false` is `--not-null`). Only the flags given become fields, so each operation's own zod
// schema says which fields it takes and reports the rest.
import { Flags } from '@oclif/core';
import { operations } from '../operations/index.js';
import type { ShorthandFlag, ShorthandValue } from '../operations/shorthand.js';
import { InvalidOptionError, type SpecIssue } from '../errors/index.js';
import { formatIssue } from '../migration-spec/format-issues.js';

const group = 'OPERATION';
const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

const shorthandOf = new Map<string, readonly ShorthandFlag[]>(operations.map((o) => [o.op, o.shorthand]));

/**
 * Every flag once, in registry order. Its first declaration is also its meaning for an operation that
 * does not take it, so that operation's schema can name the field it does not know.
 */
const firstDeclarations = new Map<string, ShorthandFlag>();
for (const flag of operations.flatMap((o): readonly ShorthandFlag[] => o.shorthand)) {
  if (!firstDeclarations.has(flag.flag)) firstDeclarations.set(flag.flag, flag);
}

/** The flag that fills a field, by the field's path (`references.table`). */
const flagOfField = new Map([...firstDeclarations.values()].map((flag) => [flag.field.join('.'), flag]));

function oclifFlag({ summary, value }: ShorthandFlag) {
  if (value === 'true-when-given' || value === 'false-when-given') return Flags.boolean({ summary, helpGroup: group });
  if (value === 'texts' || value === 'assignments') return Flags.string({ summary, helpGroup: group, multiple: true });
  return Flags.string({ summary, helpGroup: group });
}

export const operationFlags = {
  'migration-name': Flags.string({
    summary: 'Name of the migration (default: derived, e.g. add-column-tickets-priority).',
    helpGroup: group,
  }),
  ...Object.fromEntries([...firstDeclarations.values()].map((flag) => [flag.flag, oclifFlag(flag)])),
};

function fieldValue(value: ShorthandValue, given: unknown): unknown {
  const text = typeof given === 'string' ? given : undefined;
  const texts = Array.isArray(given) ? given.map(String) : undefined;
  switch (value) {
    case 'text':
      return text;
    case 'texts':
      return texts;
    case 'comma-list':
      return text === undefined ? undefined : list(text);
    case 'true-when-given':
      return given === true ? true : undefined;
    case 'false-when-given':
      return given === true ? false : undefined;
    case 'assignments':
      return texts === undefined ? undefined : assignments(texts);
    case 'column-definitions':
      return text === undefined ? undefined : columnDefinitions(text);
  }
}

function setField(target: Record<string, unknown>, [head, ...rest]: readonly string[], value: unknown): void {
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const inner = (target[head] ??= {}) as Record<string, unknown>;
  setField(inner, rest, value);
}

/** The operation object the flags describe; unknown combinations are left to the spec's validation. */
export function operationFromFlags(op: string, given: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const own = shorthandOf.get(op) ?? [];
  const spec: Record<string, unknown> = { op };
  for (const declared of firstDeclarations.values()) {
    const flag = own.find((f) => f.flag === declared.flag) ?? declared;
    const value = fieldValue(flag.value, given[flag.flag]);
    if (value !== undefined) setField(spec, flag.field, value);
  }
  return spec;
}

/**
 * `start file.yaml --table foo` would ignore `--table`: a spec file carries its fields, so any operation
 * flag given with one is refused (exit 2), named.
 */
export function refuseOperationFlags(target: string, given: Readonly<Record<string, unknown>>): void {
  const named = Object.keys(operationFlags)
    .filter((flag) => given[flag] !== undefined)
    .map((flag) => `--${flag}`);
  if (named.length === 0) return;
  const them = named.length === 1 ? 'it' : 'them';
  throw new InvalidOptionError(
    `${named.join(', ')} ${named.length === 1 ? 'applies' : 'apply'} only to \`start <operation>\`; ${target} is a spec file, ` +
      `which gives its own fields: put ${them} in the file, or leave ${them} out`,
  );
}

/** `id bigint, amount numeric(10,2)` → `[{name: 'id', type: 'bigint'}, …]`: commas inside parentheses stay. */
export function columnDefinitions(text: string): { name: string; type: string }[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === ',' && depth === 0) {
      items.push(current);
      current = '';
      continue;
    }
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    current += ch;
  }
  items.push(current);
  return items
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const space = item.search(/\s/);
      return space < 0 ? { name: item, type: '' } : { name: item.slice(0, space), type: item.slice(space).trim() };
    });
}

/** `--set status=upper(status)` → `{ status: 'upper(status)' }`: split at the first `=`. */
export function assignments(items: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    items.map((item) => {
      const eq = item.indexOf('=');
      return eq < 0 ? [item.trim(), ''] : [item.slice(0, eq).trim(), item.slice(eq + 1).trim()];
    }),
  );
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const flagOfKey = (key: string): string => `--${flagOfField.get(key)?.flag ?? kebab(key)}`;

/** A place under the operation in flag terms: `['references', 'columns', 0]` is `--references-columns`. */
function flagOfSteps(steps: readonly PropertyKey[]): string {
  const [first, second] = steps;
  const nested = typeof second === 'string' ? flagOfField.get(`${String(first)}.${second}`) : undefined;
  const flag = nested ?? flagOfField.get(String(first));
  let rest = steps.slice(nested === undefined ? 1 : 2);
  let named = `--${flag?.flag ?? kebab(String(first))}`;
  // `--set status`: the assignment's column.
  if (flag?.value === 'assignments' && typeof rest[0] === 'string') {
    if (rest[0] !== '') named += ` ${rest[0]}`;
    rest = rest.slice(1);
  }
  // A repeatable flag keeps the occurrence (`--sql[1]`); an item of a comma list is the flag itself.
  if (flag?.value !== 'texts' && typeof rest[0] === 'number') rest = rest.slice(1);
  return named + rest.map((step) => (typeof step === 'number' ? `[${step}]` : `.${String(step)}`)).join('');
}

/** A problem of the spec `start <op>` built from flags, in flag terms: `--references-table: required`. */
export function flagIssue(issue: SpecIssue): string {
  const [top, index, ...steps] = issue.path;
  if (top === 'name') return `${flagOfSteps(['migration-name', ...issue.path.slice(1)])}: ${issue.problem}`;
  if (top !== 'operations' || index !== 0) return formatIssue(issue);
  if (steps.length > 0) return `${flagOfSteps(steps)}: ${issue.problem}`;
  if (issue.unknownFields !== undefined) return `not a flag of this operation: ${issue.unknownFields.map(flagOfKey).join(', ')}`;
  return formatIssue(issue);
}
