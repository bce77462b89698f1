// How the CLI reports an error: `error: <message>` on stderr, or under --json the error object on stdout.

/** `body` is the error as data (name, code …); message and exit code are added to it. */
export function writeError(json: boolean, body: Readonly<Record<string, unknown>>, message: string, exitCode: number): void {
  if (json) process.stdout.write(`${JSON.stringify({ error: { ...body, message, exitCode } })}\n`);
  else process.stderr.write(`error: ${message}\n`);
}
