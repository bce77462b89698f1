// Runs one lifecycle call of the library (start, resume, complete, rollback) in a process of its own,
// for the crash-exactness tests: the work the CLI's commands hand to the library, without oclif's
// start-up time (a third of a second instead of about one), so a test can kill it after every
// statement (ONLINE_DEBUG_KILL_AT_STATEMENT) and run the recovery many times over.
//   node dist/test/support/lifecycle-driver.js '<json: DriverCall>'
// Prints one JSON line, {"result": …} or {"error": {code, message, exitCode}}, and exits with the
// exit code the CLI would use.
import { z } from 'zod';
import { completeMigration, OnlineError, parseSpec, resumeMigration, rollbackMigration, startMigration } from '../../src/index.js';

const driverCall = z.object({
  command: z.enum(['start', 'resume', 'complete', 'rollback']),
  databaseUrl: z.string().min(1),
  migration: z.string().optional(),
  spec: z.unknown().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

export type DriverCall = z.infer<typeof driverCall>;

async function run(call: DriverCall): Promise<unknown> {
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

const call = driverCall.parse(JSON.parse(process.argv[2] ?? '{}'));
try {
  const result = await run(call);
  process.stdout.write(`${JSON.stringify({ result })}\n`);
  process.exitCode = 0;
} catch (error) {
  const known = error instanceof OnlineError;
  process.stdout.write(`${JSON.stringify({ error: { code: known ? error.code : 'UNEXPECTED', message: error instanceof Error ? error.message : String(error), exitCode: known ? error.exitCode : 1 } })}\n`);
  process.exitCode = known ? error.exitCode : 1;
}
