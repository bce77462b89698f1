// Starts a one-operation migration that pre-flight must refuse, and returns the refusal (exit 2).
import { parseSpec, PreflightError, startMigration, type RunOptionsInput } from '../../src/index.js';
import { expectOnlineError, type ExpectedFailure } from './expect-online-error.js';

/** What the refusal must be besides a PreflightError with exit 2: a subclass, its code, its message. */
export interface ExpectedRefusal extends Omit<ExpectedFailure, 'exitCode'> {
  readonly type?: typeof PreflightError;
}

export async function preflightRefusal(
  databaseUrl: string,
  operation: Record<string, unknown>,
  options?: RunOptionsInput,
  expected: ExpectedRefusal = {},
): Promise<PreflightError> {
  const spec = parseSpec({ operations: [operation] }, 'test');
  const { type = PreflightError, ...rest } = expected;
  return expectOnlineError(startMigration({ databaseUrl, spec, options }), type, { exitCode: 2, ...rest });
}
