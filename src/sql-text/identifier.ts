// zod schemas for SQL names in specs: non-empty, at most 63 bytes (PostgreSQL's NAMEDATALEN - 1).
import { z } from 'zod';

export const identifier = z
  .string()
  .min(1, 'must not be empty')
  .refine((s) => Buffer.byteLength(s) <= 63, 'must be at most 63 bytes')
  .refine((s) => !s.includes('\u0000'), 'must not contain a NUL byte');

/** A SQL expression from a spec; it is checked for safety and compiled in pre-flight before any use. */
export const sqlExpression = z.string().trim().min(1, 'must not be empty');

/** Schema names for the state store, restricted so they can be used unquoted in messages and keys. */
export const stateSchemaName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case identifier (letters, digits, underscore)');
