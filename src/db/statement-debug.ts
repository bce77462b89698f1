// Debug hooks on every statement online sends, read once from the environment (postgres.js calls the
// hook just before a statement is written to its connection):
//   ONLINE_DEBUG_SQL=1                   print each statement's text (never its values) to stderr
//   ONLINE_DEBUG_STATEMENT_LOG=<file>    append each statement as a JSON line {n, connection, sql}
//   ONLINE_DEBUG_KILL_AT_STATEMENT=<n>   SIGKILL this process just before statement n is sent, i.e. right
//                                        after statement n-1: the crash-exactness tests kill a run after
//                                        every statement it sends and check what a resume or rollback makes
//                                        of what was left. Statements are counted over all connections.
import { appendFileSync } from 'node:fs';
import { z } from 'zod';

const debugEnvironment = z.object({
  ONLINE_DEBUG_SQL: z.enum(['0', '1']).optional(),
  ONLINE_DEBUG_STATEMENT_LOG: z.string().min(1).optional(),
  ONLINE_DEBUG_KILL_AT_STATEMENT: z.coerce.number().int().positive().optional(),
});

export type StatementHook = (connection: number, statement: string) => void;

let sent = 0;

/** The postgres.js `debug` option for the environment's hooks, or undefined when none is set. */
export function statementHookFromEnvironment(env: NodeJS.ProcessEnv = process.env): StatementHook | undefined {
  const parsed = debugEnvironment.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid ${String(issue?.path[0] ?? 'debug variable')}: ${issue?.message ?? 'invalid'}`);
  }
  const { ONLINE_DEBUG_SQL: print, ONLINE_DEBUG_STATEMENT_LOG: logFile, ONLINE_DEBUG_KILL_AT_STATEMENT: killAt } = parsed.data;
  if (print !== '1' && logFile === undefined && killAt === undefined) return undefined;
  return (connection, statement) => {
    sent += 1;
    if (killAt !== undefined && sent >= killAt) process.kill(process.pid, 'SIGKILL');
    if (print === '1') process.stderr.write(`${statement.slice(0, 300)}\n`);
    // Synchronous, so the line is on disk even when the next statement's kill follows at once.
    if (logFile !== undefined) appendFileSync(logFile, `${JSON.stringify({ n: sent, connection, sql: statement })}\n`);
  };
}
