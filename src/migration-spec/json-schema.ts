// The JSON Schema of migration specs, for editors (`online schema`).
import { z } from 'zod';
import { migrationSpec } from './migration-spec.js';

export function migrationJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(migrationSpec, { io: 'input', unrepresentable: 'any' }),
    title: 'online migration spec',
  };
}
