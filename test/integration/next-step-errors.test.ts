// Every error names the one next step, through the built CLI: a mistyped operation, command or flag,
// a spec that does not parse, a missing migrations directory, a lock held during contract and a
// `complete` refused because a worker still runs the migration.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec, startMigration } from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { holdLock } from '../support/held-lock.js';
import { jsonLines, runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';
import { killWatchedRuns, watchCli } from '../support/watched-cli.js';

describe('errors that name the next step', severalCliRuns, () => {
  const db = useTestDatabase('next_step');
  let dir: string;
  beforeAll(async () => {
    await createTickets(db.sql, 200);
    dir = await mkdtemp(join(tmpdir(), 'online-next-step-'));
  });
  afterEach(killWatchedRuns);

  /** `online start <file>` of a spec file written with `text`, refused with exit 2: its path and stderr. */
  async function startRefused(file: string, text: string): Promise<{ path: string; stderr: string }> {
    const path = join(dir, file);
    await writeFile(path, text);
    const result = await runCli(['start', path], db.url, dir);
    expect(result.code).toBe(2);
    return { path, stderr: result.stderr };
  }

  async function expectNothingChanged(run: () => Promise<void>): Promise<void> {
    const before = await catalogSnapshot(db.sql);
    await run();
    expect(await catalogSnapshot(db.sql)).toEqual(before);
  }

  it('a mistyped operation: did you mean, and the list of operations (exit 2)', async () => {
    await expectNothingChanged(async () => {
      const result = await runCli(['start', 'add-colum', '--table', 'tickets', '--column', 'c', '--type', 'text'], db.url, dir);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("error: unknown operation 'add-colum'; did you mean add-column?\n");
      expect(result.stderr).toMatch(/the operations: add-column, create-index, .*, sql\n/);
      expect(result.stderr).not.toContain('ENOENT');
    });
  });

  it('a spec path that does not exist says so (exit 2)', async () => {
    for (const target of ['nothere.yaml', 'specs/nothere']) {
      const result = await runCli(['start', target], db.url, dir);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`error: invalid migration spec ${target}:\n  the file does not exist\n`);
    }
  });

  it('a mistyped command exits 2 with a suggestion, never a prompt, in JSON under --json', async () => {
    const human = await runCli(['statu'], db.url, dir);
    expect(human).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: unknown command 'statu'; did you mean status?\n  run `online --help` for the commands\n",
    });
    const json = await runCli(['statu', 'my-migration', '--json'], db.url, dir);
    expect(json.code).toBe(2);
    expect(json.stderr).toBe('');
    expect(jsonLines(json.stdout)).toEqual([
      {
        error: {
          name: 'UnknownCommandError',
          code: 'UNKNOWN_COMMAND',
          message: "unknown command 'statu'; did you mean status?\n  run `online --help` for the commands",
          exitCode: 2,
        },
      },
    ]);
  });

  it('a mistyped flag names the flag it was meant to be, without the whole help (exit 2)', async () => {
    const dryRun = await runCli(['start', 'x.yaml', '--dry-runn'], db.url, dir);
    expect(dryRun).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: unknown flag --dry-runn; did you mean --dry-run?\n  run `online start --help` for its flags\n',
    });
    const rate = await runCli(['start', 'x.yaml', '--max-rows-per-secnd', '5'], db.url, dir);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain('unknown flag --max-rows-per-secnd; did you mean --max-rows-per-second?');
    const json = await runCli(['status', '--jsno', '--json'], db.url, dir);
    expect(json.code).toBe(2);
    expect(jsonLines(json.stdout)).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ code: 'UNKNOWN_FLAG', exitCode: 2 }) }),
    ]);
    expect(JSON.stringify(jsonLines(json.stdout))).toContain('unknown flag --jsno; did you mean --json?');
  });

  it('a command line the parser refuses exits 2 with one short error, the object alone under --json', async () => {
    expect(await runCli(['resume', '--window'], db.url, dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: Flag --window expects a value\n  run `online resume --help` for its arguments and flags\n',
    });
    const missing = await runCli(['revert'], db.url, dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Missing 1 required arg');
    expect(missing.stderr).not.toContain('allows multiple values');
    for (const args of [
      ['revert', '--json'],
      ['start', 'x.yaml', 'extra', '--json'],
      ['status', '--json', '--state-schema'],
    ]) {
      const json = await runCli(args, db.url, dir);
      expect(json.code).toBe(2);
      expect(jsonLines(json.stdout)).toEqual([{ error: expect.objectContaining({ code: 'USAGE', exitCode: 2 }) }]);
      // Not oclif's dump of its configuration (package.json, every command), some 150 kB.
      expect(json.stdout.length).toBeLessThan(1_000);
    }
  });

  it('an unknown op inside a spec lists the operations, with did you mean', async () => {
    const { stderr } = await startRefused('bad-op.yaml', 'operations:\n  - op: create-indx\n    table: tickets\n    columns: [status]\n');
    expect(stderr).toContain(
      'operations[0].op: unknown op "create-indx"; did you mean create-index? (the operations: add-column, create-index,',
    );
  });

  it('a YAML syntax error shows the file, line and column, the line and a caret', async () => {
    const { path, stderr } = await startRefused(
      'broken.yaml',
      'operations:\n  - op: add-column\n    table: tickets\n    column: "unclosed\n    type: text\n',
    );
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`error: invalid migration spec ${path}:`);
    expect(lines[1]).toMatch(/^ {2}not valid YAML at line 6: Missing closing "quote$/);
    expect(lines.slice(2)).toEqual([`     --> ${path}:6:1`, '    5 |     type: text', '    6 |', '      | ^']);
  });

  it('a JSON syntax error points at the column too', async () => {
    const { path, stderr } = await startRefused('broken.json', '{"operations": [\n  {"op": "add-column",}\n]}\n');
    expect(stderr).toContain(`--> ${path}:2:23\n    1 | {"operations": [\n    2 |   {"op": "add-column",}\n      |${' '.repeat(23)}^\n`);
  });

  it('migrate and check without a migrations directory say to run `online init` (exit 2)', async () => {
    const message =
      "error: no migrations directory 'migrations': run `online init` to create one, or pass the path of an existing directory\n";
    for (const command of ['migrate', 'check']) {
      const result = await runCli([command], db.url, dir);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(message);
    }
    const [state] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
    expect(state?.exists).toBe(false);
  });

  it('a contract lock retry names the blocking backend: pid, application, state and query', async () => {
    const spec = parseSpec(
      { operations: [{ op: 'add-column', table: 'tickets', column: 'channel', type: 'text', backfill: "'email'", nullable: false }] },
      'x',
    );
    await startMigration({ databaseUrl: db.url, spec, options: { lockTimeoutMs: 100, lockRetries: 3 } });
    // An application transaction that wrote a row and has not committed: ROW EXCLUSIVE, which every
    // contract step's lock conflicts with.
    const billing = new URL(db.url);
    billing.searchParams.set('application_name', 'billing');
    const writer = await holdLock(billing.toString(), 'update tickets set status = status where id = 1');
    try {
      const result = await runCli(['complete', spec.name], db.url, dir);
      expect(result.code).toBe(1);
      const retries = result.stdout.split('\n').filter((line) => line.includes('lock not available'));
      // Every retry names the blocker, the first one too: its wait is sampled early enough to see it.
      expect(retries).toHaveLength(2);
      for (const line of retries) {
        expect(line).toContain(`blocked by pid ${writer.pid} (idle in transaction, transaction open `);
        expect(line).toContain(', application billing): ');
      }
      expect(result.stderr).toContain(`could not acquire a lock after 3 attempts`);
      expect(result.stderr).toContain(`pid ${writer.pid} (idle in transaction`);
      expect(result.stderr).toContain('`online resume` (or `online migrate`, for a directory) continues from the last recorded step');
    } finally {
      await writer.release();
    }
    expect((await runCli(['complete', spec.name], db.url, dir)).code).toBe(0);
  });

  it('complete refused by a running worker names it, its heartbeat, and what to do', async () => {
    await db.sql`create table worker_held (id bigint primary key, v int)`;
    await db.sql`insert into worker_held select g, g from generate_series(1, 100) g`;
    const name = 'held-by-worker';
    const worker = watchCli(
      [
        ...['start', 'add-column', '--table', 'worker_held', '--column', 'w', '--type', 'int', '--backfill', 'v'],
        ...['--migration-name', name, '--throttle-query', 'select true', '--json'],
      ],
      db.url,
    );
    await worker.until((events) => events.some((e) => e.type === 'activity' && e.state === 'throttled'));
    const [lease] = await db.sql<{ pid: number; host: string }[]>`select pid, host from online_migrate.leases where migration = ${name}`;
    expect(lease?.pid).toBe(worker.child.pid);
    const result = await runCli(['complete', name], db.url, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        `^error: migration "${name}" is being run by another worker: pid ${lease?.pid} on ${lease?.host}, started \\S+, last heartbeat \\S+ \\(\\d+\\.\\ds ago\\); `,
      ),
    );
    expect(result.stderr).toContain(
      `wait for it to finish (\`online status ${name}\` shows its progress), or stop it from any shell with \`online stop ${name} --wait\` ` +
        `(it stops after its current batch or step), then run \`online complete ${name}\`\n`,
    );
  });
});
