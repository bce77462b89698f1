// Asserts that a library call fails with a given typed error and the exit code the CLI would use for
// it, and returns that error, typed, for what else the test checks: in place of catch-and-cast.
import { expect } from 'vitest';
import type { ExitCode, OnlineError } from '../../src/index.js';

/** What the failure must be besides its class: its exit code always, its code and message when given. */
export interface ExpectedFailure {
  readonly exitCode: ExitCode;
  readonly code?: string;
  /** A pattern the message matches, or text it contains. */
  readonly message?: RegExp | string;
}

export async function expectOnlineError<E extends OnlineError>(
  pending: PromiseLike<unknown>,
  type: abstract new (...args: never[]) => E,
  expected: ExpectedFailure,
): Promise<E> {
  let outcome: { readonly failed: false; readonly value: unknown } | { readonly failed: true; readonly error: unknown };
  try {
    outcome = { failed: false, value: await pending };
  } catch (error) {
    outcome = { failed: true, error };
  }
  expect(outcome, `expected a ${type.name}`).toMatchObject({ failed: true });
  const error = outcome.failed ? outcome.error : undefined;
  expect(error).toBeInstanceOf(type);
  const failure = error as E;
  expect(failure.exitCode).toBe(expected.exitCode);
  if (expected.code !== undefined) expect(failure.code).toBe(expected.code);
  if (typeof expected.message === 'string') expect(failure.message).toContain(expected.message);
  else if (expected.message !== undefined) expect(failure.message).toMatch(expected.message);
  return failure;
}
