// One lifecycle call of the library (start, resume, complete, rollback) described as data, so the
// crash tests can run it in a process of their own (lifecycle-driver.ts, to kill it) or in-process (the
// recoveries after the kill), and see the exit code the CLI would use.
import { z } from 'zod';
import { completeMigration, OnlineError, parseSpec, resumeMigration, rollbackMigration, startMigration } from '../../src/index.js';

export const lifecycleCall = z.object({
  command: z.enum(['start', 'resume', 'complete', 'rollback']),
  databaseUrl: z.string().min(1),
  migration: z.string().optional(),
  spec: z.unknown().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

export type LifecycleCall = z.infer<typeof lifecycleCall>;

export interface CallOutcome {
  readonly code: number;
  readonly error?: { readonly code: string; readonly message: string; readonly exitCode: number };
}

function run(call: LifecycleCall): Promise<unknown> {
  const common = { databaseUrl: call.databaseUrl, migration: call.migration };
  switch (call.command) {
    case 'start':
      return startMigration({ databaseUrl: call.databaseUrl, spec: parseSpec(call.spec, 'driver'), options: call.options });
    case 'resume':
      return resumeMigration({ ...common, overrides: call.options });
    case 'complete':
      return completeMigration(common);
    case 'rollback':
      return rollbackMigration(common);
  }
}

/** Runs the call; never throws: a failure is its exit code and error, as the CLI would report them. */
export async function runLifecycleCall(call: LifecycleCall): Promise<CallOutcome> {
  try {
    await run(call);
    return { code: 0 };
  } catch (error) {
    const known = error instanceof OnlineError;
    const exitCode = known ? error.exitCode : 1;
    return {
      code: exitCode,
      error: { code: known ? error.code : 'UNEXPECTED', message: error instanceof Error ? error.message : String(error), exitCode },
    };
  }
}
