// Starts a one-operation migration that pre-flight must refuse, and returns the refusal (exit 2).
import { parseSpec, PreflightError, startMigration, type RunOptionsInput } from '../../src/index.js';
import { expectOnlineError } from './expect-online-error.js';

export async function preflightRefusal(
  databaseUrl: string,
  operation: Record<string, unknown>,
  options?: RunOptionsInput,
): Promise<PreflightError> {
  const spec = parseSpec({ operations: [operation] }, 'test');
  return expectOnlineError(startMigration({ databaseUrl, spec, options }), PreflightError, { exitCode: 2 });
}
