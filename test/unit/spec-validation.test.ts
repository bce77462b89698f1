import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors/index.js';
import { migrationJsonSchema } from '../../src/migration-spec/json-schema.js';
import { loadSpecFile, parseSpec, specHash } from '../../src/migration-spec/load-spec.js';

async function specFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'online-spec-'));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function issuesOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof SpecError) return error.issues;
    throw error;
  }
  throw new Error('expected a SpecError');
}

describe('migration spec', () => {
  it('reports each problem with its path', () => {
    const issues = issuesOf(() => parseSpec({ operations: [{ op: 'add-column', table: 'tickets', column: 'priority' }] }, 'x'));
    expect(issues).toEqual(['operations[0].type: required']);
  });

  it('rejects unknown fields, unknown ops and a NOT NULL column with nothing to fill it', () => {
    expect(issuesOf(() => parseSpec({ operations: [{ op: 'add-column', table: 't', column: 'c', type: 'int', colour: 1 }] }, 'x'))).toEqual(
      ['operations[0]: unknown field "colour"'],
    );
    expect(issuesOf(() => parseSpec({ operations: [{ op: 'drop-everything' }] }, 'x'))[0]).toMatch(/^operations\[0\]\.op: /);
    expect(issuesOf(() => parseSpec({ operations: [{ op: 'drop-everything' }] }, 'x'))[0]).toMatch(
      /^operations\[0\]\.op: unknown op "drop-everything" \(the operations: add-column, create-index, .*, sql\)$/,
    );
    expect(issuesOf(() => parseSpec({ operations: [{ op: 'set-not-nul', table: 't' }] }, 'x'))[0]).toMatch(
      /^operations\[0\]\.op: unknown op "set-not-nul"; did you mean set-not-null\? \(the operations: add-column, /,
    );
    expect(issuesOf(() => parseSpec({ operations: [{ table: 't' }] }, 'x'))[0]).toMatch(
      /^operations\[0\]\.op: required \(the operations: /,
    );
    expect(
      issuesOf(() => parseSpec({ operations: [{ op: 'add-column', table: 't', column: 'c', type: 'int', nullable: false }] }, 'x')),
    ).toEqual(['operations[0].nullable: nullable: false needs a default or a backfill expression']);
    expect(issuesOf(() => parseSpec({ operations: [] }, 'x'))).toEqual(['operations: must list at least one operation']);
  });

  it('loads YAML, names the migration after the file, and hashes independently of key order', async () => {
    const path = await specFile(
      '0003-ticket-priority.yaml',
      'operations:\n  - op: add-column\n    table: tickets\n    column: priority\n    type: text\n',
    );
    const spec = await loadSpecFile(path);
    expect(spec.name).toBe('0003-ticket-priority');
    expect(spec.operations[0]).toMatchObject({ op: 'add-column', schema: 'public', nullable: true });
    const reordered = parseSpec(
      { name: spec.name, operations: [{ type: 'text', column: 'priority', table: 'tickets', op: 'add-column' }] },
      'x',
    );
    expect(specHash(reordered)).toBe(specHash(spec));
  });

  it('says where a YAML file is malformed', async () => {
    const path = await specFile('broken.yaml', 'operations:\n  - op: add-column\n   table: [\n');
    await expect(loadSpecFile(path)).rejects.toThrow(/not valid YAML at line \d+/);
    await expect(loadSpecFile(path)).rejects.toThrow(`--> ${path}:3:1\n    2 |   - op: add-column\n    3 |    table: [\n      | ^`);
  });

  it('derives a readable name from the first operation when there is none', () => {
    const spec = parseSpec({ operations: [{ op: 'add-column', table: 'tickets', column: 'priority', type: 'text' }] }, 'x');
    expect(spec.name).toBe('add-column-tickets-priority');
  });

  it('exports a JSON Schema that lists the operations', () => {
    const schema = JSON.stringify(migrationJsonSchema());
    expect(schema).toContain('"add-column"');
    expect(schema).toContain('"operations"');
  });
});

describe('online.schema.json', () => {
  it('is the committed output of `online schema` (regenerate with: node bin/run.js schema > online.schema.json)', async () => {
    const { readFile } = await import('node:fs/promises');
    const committed = JSON.parse(await readFile(new URL('../../online.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(committed).toEqual(migrationJsonSchema());
  });
});
