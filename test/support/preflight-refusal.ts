// Starts a one-operation migration that pre-flight must refuse, and returns the refusal (exit 2).
import { expect } from 'vitest';
import { parseSpec, PreflightError, startMigration, type RunOptionsInput } from '../../src/index.js';

export async function preflightRefusal(
  databaseUrl: string,
  operation: Record<string, unknown>,
  options?: RunOptionsInput,
): Promise<PreflightError> {
  const spec = parseSpec({ operations: [operation] }, 'test');
  const error = await startMigration({ databaseUrl, spec, options }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PreflightError);
  expect((error as PreflightError).exitCode).toBe(2);
  return error as PreflightError;
}
