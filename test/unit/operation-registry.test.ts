// The registry is the one list of operations: the spec union, the JSON Schema and the `online start <op>`
// flags are built from it, so an operation is registered everywhere or nowhere.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import Start from '../../src/commands/start.js';
import { flagIssue, operationFlags, operationFromFlags } from '../../src/cli/operation-flags.js';
import { SpecError } from '../../src/errors/index.js';
import { migrationJsonSchema } from '../../src/migration-spec/json-schema.js';
import { parseSpec } from '../../src/migration-spec/load-spec.js';
import { operationSpec } from '../../src/migration-spec/migration-spec.js';
import { operations } from '../../src/operations/index.js';
import type { ShorthandFlag, ShorthandValue } from '../../src/operations/shorthand.js';

const opNames = operations.map((o) => o.op);
const shorthands = operations.flatMap((o): readonly ShorthandFlag[] => o.shorthand);

/** A value of the right shape for each kind of flag, as oclif hands it over. */
const sampleValue: Record<ShorthandValue, unknown> = {
  text: 'x',
  texts: ['x'],
  'comma-list': 'x',
  'true-when-given': true,
  'false-when-given': true,
  assignments: ['x=1'],
  'column-definitions': 'x int',
};

/** The zod schema at a path of an object schema, through optional and default wrappers. */
function fieldSchema(schema: z.ZodType, path: readonly string[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (const key of path) {
    while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
    current = current instanceof z.ZodObject ? (current.shape as Record<string, z.ZodType>)[key] : undefined;
  }
  return current;
}

describe('the operation registry', () => {
  it('holds every operation of src/operations/, once', async () => {
    const folder = fileURLToPath(new URL('../../src/operations/', import.meta.url));
    const declared: unknown[] = [];
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.ts'))) {
      for (const match of readFileSync(folder + file, 'utf8').matchAll(/^export const (\w+) = \{$[\s\S]*?^\} satisfies Operation</gm)) {
        declared.push(((await import(/* @vite-ignore */ folder + file)) as Record<string, unknown>)[match[1]!]);
      }
    }
    expect(declared).toHaveLength(operations.length);
    for (const operation of declared) expect(operations).toContain(operation);
    expect(new Set(opNames).size).toBe(opNames.length);
  });

  it('is the spec union, in its order', () => {
    expect(operationSpec.options).toEqual(operations.map((o) => o.schema));
    for (const operation of operations) expect(operation.schema.shape.op.value).toBe(operation.op);
  });

  it('is the JSON Schema of spec files, in its order', () => {
    const items = (
      migrationJsonSchema() as { properties: { operations: { items: { oneOf: { properties: { op: { const: string } } }[] } } } }
    ).properties.operations.items.oneOf;
    expect(items.map((item) => item.properties.op.const)).toEqual(opNames);
  });

  it('is the list of operations `online start` takes', () => {
    expect(Start.args.target.description).toBe(`spec file, or an operation: ${opNames.join(', ')}`);
  });
});

describe('the `online start <op>` flags', () => {
  it('are every flag an operation declares, each once, with one help line', () => {
    expect(Object.keys(operationFlags)).toEqual(['migration-name', ...new Set(shorthands.map((s) => s.flag))]);
    for (const shorthand of shorthands) {
      expect((operationFlags as Record<string, { summary?: string }>)[shorthand.flag]?.summary, shorthand.flag).toBe(shorthand.summary);
    }
  });

  it('fill a field each, and no two flags fill the same one (errors name the flag by its field)', () => {
    const fieldOf = new Map<string, string>();
    for (const { flag, field } of shorthands) {
      expect(fieldOf.get(flag) ?? field.join('.'), flag).toBe(field.join('.'));
      fieldOf.set(flag, field.join('.'));
    }
    expect(new Set(fieldOf.values()).size).toBe(fieldOf.size);
  });

  it.each(operations.map((o) => [o.op, o] as const))(
    'of %s name fields of its schema, and all given at once are all taken',
    (op, operation) => {
      const flags: readonly ShorthandFlag[] = operation.shorthand;
      for (const { flag, field } of flags) expect(fieldSchema(operation.schema, field), `--${flag}`).toBeDefined();
      const given = Object.fromEntries(flags.map((f) => [f.flag, sampleValue[f.value]]));
      let issues: readonly string[] = [];
      try {
        parseSpec({ operations: [operationFromFlags(op, given)] }, 'flags');
      } catch (error) {
        if (!(error instanceof SpecError)) throw error;
        issues = error.details.map(flagIssue);
      }
      expect(issues.filter((issue) => issue.startsWith('not a flag'))).toEqual([]);
    },
  );

  it("name the flag in errors, and report another operation's flags as not this one's", () => {
    const at =
      (...path: PropertyKey[]) =>
      (problem: string, unknownFields?: string[]) =>
        flagIssue({ path, problem, ...(unknownFields === undefined ? {} : { unknownFields }) });
    expect(at('operations', 0, 'references', 'columns', 0)('must not be empty')).toBe('--references-columns: must not be empty');
    expect(at('operations', 0, 'nullable')('nullable: false needs a default')).toBe('--not-null: nullable: false needs a default');
    expect(at('operations', 0, 'set', 'status')('must not be empty')).toBe('--set status: must not be empty');
    expect(at('operations', 0, 'sql', 1)('must not be empty')).toBe('--sql[1]: must not be empty');
    expect(at('operations', 0, 'references')('required')).toBe('--references: required');
    expect(at('operations', 0)('unknown fields "unique", "expressions", "primaryKey"', ['unique', 'expressions', 'primaryKey'])).toBe(
      'not a flag of this operation: --unique, --expression, --primary-key',
    );
    expect(at('name')('must start with a letter')).toBe('--migration-name: must start with a letter');
  });
});
