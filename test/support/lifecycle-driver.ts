// Runs one lifecycle call (see lifecycle-call.ts) in a process of its own, so the crash tests can kill
// it after any statement (ONLINE_DEBUG_KILL_AT_STATEMENT): the work the CLI's commands hand to the
// library, without oclif's start-up time.
//   node build/test/support/lifecycle-driver.js '<json: LifecycleCall>'
// Prints one JSON line, {"code": …, "error"?: {code, message, exitCode}}, and exits with that code.
import { lifecycleCall, runLifecycleCall } from './lifecycle-call.js';

const outcome = await runLifecycleCall(lifecycleCall.parse(JSON.parse(process.argv[2] ?? '{}')));
process.stdout.write(`${JSON.stringify(outcome)}\n`);
process.exitCode = outcome.code;
