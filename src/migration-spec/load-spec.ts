// Loads a migration spec from a YAML or JSON file (or an object) and validates it.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { SpecError } from '../errors/index.js';
import { formatIssue, specIssues } from './format-issues.js';
import { positionAt, sourceSnippet, type SourcePosition } from './source-snippet.js';
import type { SpecIssue } from '../errors/index.js';
import { migrationName, migrationSpec, type MigrationSpec } from './migration-spec.js';
import { defaultMigrationName } from '../operations/index.js';

function invalidSpec(source: string, details: readonly SpecIssue[]): SpecError {
  return new SpecError(source, details.map(formatIssue), { details });
}

/** Validates an already-parsed spec. `fallbackName` is used when the spec has no `name`. */
export function parseSpec(input: unknown, source: string, fallbackName?: string): MigrationSpec {
  const parsed = migrationSpec.safeParse(input, { reportInput: true });
  if (!parsed.success) throw invalidSpec(source, specIssues(parsed.error));
  const first = parsed.data.operations[0];
  const name = parsed.data.name ?? fallbackName ?? (first === undefined ? undefined : defaultMigrationName(first));
  const checkedName = migrationName.safeParse(name);
  if (!checkedName.success) throw invalidSpec(source, specIssues(checkedName.error, ['name']));
  return { name: checkedName.data, operations: parsed.data.operations };
}

/** Reads `.yaml`, `.yml` or `.json`. The migration name defaults to the file name without extension. */
export async function loadSpecFile(path: string): Promise<MigrationSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SpecError(path, [unreadable(error as NodeJS.ErrnoException)], { cause: error });
  }
  const json = extname(path).toLowerCase() === '.json';
  let data: unknown;
  try {
    data = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new SpecError(path, [notParsed(path, text, json, error as Error)], { cause: error });
  }
  const fileName = basename(path, extname(path));
  return parseSpec(data, path, migrationName.safeParse(fileName).success ? fileName : undefined);
}

function unreadable(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return 'the file does not exist';
  if (error.code === 'EISDIR') return 'is a directory; apply a directory of specs with `online migrate <dir>`';
  return `cannot read file: ${error.code ?? String(error)}`;
}

/** `not valid YAML at line 3: <why>`, then where: the path with line and column, the line and a caret. */
function notParsed(path: string, text: string, json: boolean, error: Error): string {
  const at = json ? jsonPosition(text, error.message) : error instanceof YAMLParseError ? error.linePos?.[0] : undefined;
  // yaml's message repeats the position and its own snippet after a colon; JSON's names the offset.
  const why = error.message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:$/, '')
    .replace(/ in JSON at position \d+.*$/, '');
  const head = `not valid ${json ? 'JSON' : 'YAML'}${at === undefined ? '' : ` at line ${at.line}`}: ${why}`;
  return at === undefined ? head : `${head}\n${sourceSnippet(path, text, at)}`;
}

function jsonPosition(text: string, message: string): SourcePosition | undefined {
  const offset = /at position (\d+)/.exec(message)?.[1];
  if (offset !== undefined) return positionAt(text, Number(offset));
  return /Unexpected end of JSON input/.test(message) ? positionAt(text, text.trimEnd().length) : undefined;
}

/** A stable hash of the validated spec (key order does not matter). */
export function specHash(spec: MigrationSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
