// Ctrl-C during `online rehearse`: the throwaway server is stopped and its data directory (a copy of
// the target's schema and sampled rows) does not stay behind in the temporary directory.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installedRehearsalMajors, majorOf } from '../../src/rehearsal/rehearsal-server.js';
import { severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { examplePath, loadExampleTickets } from '../support/tickets-fixture.js';
import { eventually, watchCli } from '../support/watched-cli.js';

/** The data directory of a postgres server the process `pid` started, once one runs. */
function serverDataDirectory(pid: number): string | undefined {
  let children = '';
  try {
    children = execFileSync('ps', ['-o', 'args=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return undefined; // ps exits 1 when there is no child yet
  }
  return /\bpostgres -D (\S+)/.exec(children)?.[1];
}

describe('online rehearse, interrupted', severalCliRuns, () => {
  const db = useTestDatabase('rehearse_interrupt');
  let versionFlags: string[] = [];

  beforeAll(async () => {
    await loadExampleTickets(db.sql, 3_000);
    const [row] = await db.sql<{ v: string }[]>`select current_setting('server_version_num') as v`;
    versionFlags = installedRehearsalMajors().some((major) => major === majorOf(Number(row?.v))) ? [] : ['--any-version'];
  });

  it('stops the throwaway server, removes its data and exits 3 (stopped early) on SIGINT', async () => {
    const run = watchCli(['rehearse', examplePath('add-priority.yaml'), '--sample', '50%', '--json', ...versionFlags], db.url);
    const pid = run.child.pid ?? 0;
    const dataDir = await eventually(
      () => Promise.resolve(serverDataDirectory(pid)),
      (dir) => dir !== undefined,
    );
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(3);
    const dir = dataDir ?? '';
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(dirname(dir))).toBe(false);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(dir);
  });
});
