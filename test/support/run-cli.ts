// Runs the built CLI (`bin/run.js`) as a child process, as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cliPath = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

/**
 * For the tests of a file that starts the CLI several times per test: on a busy 2-core machine each
 * start takes seconds before it does anything, so these get a longer timeout than the default.
 */
export const severalCliRuns = { timeout: 600_000 } as const;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `cwd`: the working directory (the project), when not this one. */
export function spawnCli(args: readonly string[], databaseUrl: string, cwd?: string): ChildProcess {
  return spawn(process.execPath, [cliPath, ...args], {
    cwd,
    env: { ...process.env, DATABASE_URL: databaseUrl, CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: readonly string[], databaseUrl: string, cwd?: string): Promise<CliResult> {
  const child = spawnCli(args, databaseUrl, cwd);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The JSON lines of an NDJSON stdout. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
