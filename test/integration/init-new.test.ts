// `online init`, `online new` and the project config, through the built CLI run in a project
// directory as a user would: scaffolding, numbering, and the config's settings taking effect in
// `start` (stored with the migration), kept by `resume`, and overridden by flags.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { cliPath, type CliResult, jsonLines, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';
import { addColumnArgs } from '../support/add-column-args.js';
import { configSchemaFile, specSchemaFile } from '../../src/config/schema-reference.js';

/** The CLI run in `cwd` with no DATABASE_URL unless `env` gives one. */
function online(cwd: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'DATABASE_URL'));
  return new Promise((done) => {
    execFile(process.execPath, [cliPath, ...args], { cwd, env: { ...inherited, CI: '1', ...env } }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

const project = (): Promise<string> => mkdtemp(join(tmpdir(), 'online-project-'));
const lastJson = (stdout: string): Record<string, unknown> | undefined => jsonLines(stdout).at(-1);

describe('online init', severalCliRuns, () => {
  it('creates the config and the migrations directory, with a $schema that resolves', async () => {
    const dir = await project();
    const result = await online(dir, ['init', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lastJson(result.stdout)).toEqual({
      config: 'online.config.json',
      format: 'json',
      migrations: 'migrations',
      created: ['online.config.json', 'migrations/', 'migrations/README.md'],
      kept: [],
    });
    const config = JSON.parse(await readFile(join(dir, 'online.config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({
      migrations: 'migrations',
      databaseUrlEnv: 'DATABASE_URL',
      stateSchema: 'online_migrate',
      locks: { 'lock-timeout': '1s', 'lock-retries': 30 },
    });
    const schema = JSON.parse(await readFile(resolve(dir, String(config.$schema)), 'utf8')) as { title: string };
    expect(schema.title).toMatch(/online project config/);
    expect(await readdir(join(dir, 'migrations'))).toEqual(['README.md']);
  });

  it('refuses to overwrite a config (exit 2) unless --force, and keeps an existing migrations directory', async () => {
    const dir = await project();
    await mkdir(join(dir, 'migrations'));
    await writeFile(join(dir, 'migrations', '0001-mine.yaml'), 'operations: []\n');
    await writeFile(join(dir, 'online.config.json'), '{"stateSchema": "mine"}\n');
    const refused = await online(dir, ['init']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('online.config.json already exists; pass --force to overwrite it');
    expect(await readFile(join(dir, 'online.config.json'), 'utf8')).toBe('{"stateSchema": "mine"}\n');

    const yaml = await online(dir, ['init', '--format', 'yaml', '--force']);
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toContain('online.config.json already exists; it would be read instead of online.config.yaml');

    const forced = await online(dir, ['init', '--force', '--state-schema', 'app_ledger']);
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('kept migrations/ (it already exists)');
    expect(JSON.parse(await readFile(join(dir, 'online.config.json'), 'utf8'))).toMatchObject({ stateSchema: 'app_ledger' });
    expect(await readdir(join(dir, 'migrations'))).toEqual(['0001-mine.yaml']);
  });

  it('refuses --database-url (exit 2, nothing written): init connects nowhere, so the flag would be ignored', async () => {
    const dir = await project();
    const result = await online(dir, ['init', '--database-url', 'postgres://nobody:secret@nowhere:1/x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--database-url');
    expect(result.stderr).not.toContain('secret');
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes a commented YAML config with --format yaml, and another migrations directory with --migrations', async () => {
    const dir = await project();
    const result = await online(dir, ['init', '--format', 'yaml', '--migrations', 'db/migrations']);
    expect(result.code).toBe(0);
    const text = await readFile(join(dir, 'online.config.yaml'), 'utf8');
    expect(text).toMatch(/^# yaml-language-server: \$schema=\S+online\.config\.schema\.json\n/);
    expect(text).toContain('  lock-timeout: 1s   # Longest wait for a lock');
    expect(parseYaml(text)).toMatchObject({ migrations: 'db/migrations', schedule: { window: [], 'window-exit': false } });
    expect(await readdir(join(dir, 'db', 'migrations'))).toEqual(['README.md']);
  });

  it('writes a $schema that stays in the project: ./node_modules/online/… when installed there, else the absolute path of the copy that ran, said', async () => {
    const outer = await project();
    const app = join(outer, 'app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), '{"name": "app", "private": true}\n');
    // A copy of online above the project, which a clone of the project would not have: never referenced.
    await mkdir(join(outer, 'node_modules', 'online'), { recursive: true });
    await writeFile(join(outer, 'node_modules', 'online', configSchemaFile), '{}');

    const bare = await online(app, ['init']);
    expect(bare.code).toBe(0);
    const running = join(dirname(dirname(cliPath)), configSchemaFile);
    expect(JSON.parse(await readFile(join(app, 'online.config.json'), 'utf8'))).toMatchObject({ $schema: running });
    expect(bare.stdout).toContain(
      `note: $schema is this machine's copy of online (${running}); once online is a dependency of the project`,
    );

    await mkdir(join(app, 'node_modules', 'online'), { recursive: true });
    for (const file of [configSchemaFile, specSchemaFile])
      await copyFile(join(dirname(running), file), join(app, 'node_modules', 'online', file));
    const installed = await online(app, ['init', '--force']);
    expect(installed.code).toBe(0);
    expect(installed.stdout).not.toContain('note:');
    expect(JSON.parse(await readFile(join(app, 'online.config.json'), 'utf8'))).toMatchObject({
      $schema: './node_modules/online/online.config.schema.json',
    });
    expect((await online(app, ['init', '--config', 'deploy/online.config.yaml'])).code).toBe(0);
    expect(await readFile(join(app, 'deploy', 'online.config.yaml'), 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=\.\.\/node_modules\/online\/online\.config\.schema\.json\n/,
    );
    expect((await online(app, ['new', 'ticket priority'])).code).toBe(0);
    expect(await readFile(join(app, 'migrations', '0001-ticket-priority.yaml'), 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=\.\.\/node_modules\/online\/online\.schema\.json\n/,
    );
  });
});

describe('online new', severalCliRuns, () => {
  it('refuses (exit 2) when the migrations directory does not exist', async () => {
    const dir = await project();
    const result = await online(dir, ['new', 'create tickets']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no migrations directory 'migrations': run `online init` to create one");
    expect(await readdir(dir)).toEqual([]);
  });

  it('numbers files 0001, 0002…, takes --timestamp, keeps numbering in a mixed directory, and refuses an empty slug', async () => {
    const dir = await project();
    expect((await online(dir, ['init'])).code).toBe(0);
    const first = await online(dir, ['new', 'Create tickets & users']);
    expect(first.code).toBe(0);
    const second = await online(dir, ['new', 'ticket priority', '--json']);
    expect(lastJson(second.stdout)).toEqual({
      path: 'migrations/0002-ticket-priority.yaml',
      file: '0002-ticket-priority.yaml',
      name: '0002-ticket-priority',
    });
    const stamped = lastJson((await online(dir, ['new', 'status remap', '--timestamp', '--json'])).stdout);
    expect(stamped?.file).toMatch(/^20\d{12}-status-remap\.yaml$/);
    const third = lastJson((await online(dir, ['new', 'resolution time', '--json'])).stdout);
    expect(third?.file).toBe('0003-resolution-time.yaml');
    const empty = await online(dir, ['new', '!!!']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no letters or digits');
    expect((await readdir(join(dir, 'migrations'))).sort()).toEqual(
      [
        '0001-create-tickets-users.yaml',
        '0002-ticket-priority.yaml',
        '0003-resolution-time.yaml',
        String(stamped?.file),
        'README.md',
      ].sort(),
    );
  });

  it('writes a template whose $schema resolves, named after its file, that is refused until it lists an operation', async () => {
    const dir = await project();
    expect((await online(dir, ['init'])).code).toBe(0);
    expect((await online(dir, ['new', 'ticket priority'])).code).toBe(0);
    const file = join(dir, 'migrations', '0001-ticket-priority.yaml');
    const text = await readFile(file, 'utf8');
    const schemaRef = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text)?.[1] ?? '';
    expect(JSON.parse(await readFile(resolve(dir, 'migrations', schemaRef), 'utf8'))).toMatchObject({ title: 'online migration spec' });
    expect(text).toContain('\nname: 0001-ticket-priority\noperations: []\n');
    const started = await online(dir, ['start', 'migrations/0001-ticket-priority.yaml'], {
      DATABASE_URL: 'postgres://unused@127.0.0.1:1/none',
    });
    expect(started.code).toBe(2);
    expect(started.stderr).toContain('operations: must list at least one operation');
  });

  it('finds the migrations directory through --config, resolved against the config file', async () => {
    const dir = await project();
    await mkdir(join(dir, 'deploy'));
    await mkdir(join(dir, 'db'));
    await writeFile(join(dir, 'deploy', 'online.yaml'), 'migrations: ../db\n');
    const result = await online(dir, ['new', 'first', '--config', 'deploy/online.yaml', '--json']);
    expect(result.stderr).toBe('');
    expect(lastJson(result.stdout)).toMatchObject({ path: 'db/0001-first.yaml' });
  });
});

describe('the project config in start and resume', severalCliRuns, () => {
  const db = useTestDatabase('project_config');
  let dir: string;
  const rows = 5_000;
  const env = (): Record<string, string> => ({ APP_DB_URL: db.url });
  /** A one-hour UTC window opening two hours from now: closed for the whole test. */
  const closedWindow = (): string => {
    const hour = (new Date().getUTCHours() + 2) % 24;
    return `${String(hour).padStart(2, '0')}:00-${String((hour + 1) % 24).padStart(2, '0')}:00`;
  };
  const config = (lockTimeout: string, window: string): string =>
    [
      'databaseUrlEnv: APP_DB_URL',
      'stateSchema: app_ledger',
      'backfill:',
      '  batch-size: 300',
      'locks:',
      `  lock-timeout: ${lockTimeout}`,
      'schedule:',
      `  window: ["${window}"]`,
      '  timezone: UTC',
      '  window-exit: true',
    ].join('\n');

  async function storedOptions(schema: string, name: string): Promise<Record<string, unknown> | undefined> {
    const [row] = await db.sql<
      { options: Record<string, unknown> }[]
    >`select options from ${db.sql(schema)}.migrations where name = ${name}`;
    return row?.options;
  }

  beforeAll(async () => {
    await createTickets(db.sql, rows);
    dir = await project();
  });

  it('start takes the URL variable, state schema and run settings from the config; resume keeps the stored options after the config changes', async () => {
    const window = closedWindow();
    await writeFile(join(dir, 'online.config.yaml'), config('250ms', window));
    const name = 'add-column-tickets-priority';
    const traffic = startWriters(db.url);
    const started = await online(
      dir,
      [
        ...addColumnArgs({ table: 'tickets', column: 'priority', type: 'text', backfill: priorityExpression }),
        '--default',
        "'normal'",
        '--not-null',
        '--json',
      ],
      env(),
    );
    expect(started.code).toBe(3);
    expect(JSON.stringify(lastJson(started.stdout))).toContain('the next window opens at');
    expect(await storedOptions('app_ledger', name)).toMatchObject({
      lockTimeoutMs: 250,
      batchSize: 300,
      windows: [window],
      timezone: 'UTC',
      windowExit: true,
      lockRetries: 30,
    });
    const [defaultLedger] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
    expect(defaultLedger?.exists).toBe(false);

    await writeFile(join(dir, 'online.config.yaml'), config('5s', window));
    const resumed = await online(dir, ['resume', name, '--window', '00:00-24:00', '--json'], env());
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(await storedOptions('app_ledger', name)).toMatchObject({ lockTimeoutMs: 250, batchSize: 300, windows: ['00:00-24:00'] });
    const report = await traffic.stop();
    expect(report.errors).toEqual([]);
    expect(report.operations).toBeGreaterThan(0);
    const [check] = await db.sql<{ total: number; wrong: number }[]>`
      select count(*)::int as total, count(*) filter (where priority is distinct from ${db.sql.unsafe(priorityExpression)})::int as wrong from tickets`;
    expect(check?.total).toBeGreaterThanOrEqual(rows);
    expect(check?.wrong).toBe(0);
    expect((await online(dir, ['complete', name], env())).code).toBe(0);
  });

  it('flags win over the config: --lock-timeout, --window, --state-schema, --database-url', async () => {
    await writeFile(join(dir, 'online.config.yaml'), config('250ms', closedWindow()));
    const traffic = startWriters(db.url);
    const args = ['start', 'add-column', '--table', 'tickets', '--column', 'note', '--type', 'text', '--complete'];
    const result = await online(
      dir,
      [...args, '--lock-timeout', '2s', '--window', '00:00-24:00', '--state-schema', 'other_ledger', '--database-url', db.url],
      {
        APP_DB_URL: 'postgres://nobody@127.0.0.1:1/unused',
      },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await storedOptions('other_ledger', 'add-column-tickets-note')).toMatchObject({
      lockTimeoutMs: 2000,
      batchSize: 300,
      windows: ['00:00-24:00'],
      windowExit: true,
    });
    const [inConfigLedger] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from app_ledger.migrations where name = 'add-column-tickets-note'`;
    expect(inConfigLedger?.n).toBe(0);
    const report = await traffic.stop();
    expect(report.errors).toEqual([]);
  });

  it('without a URL, names the environment variable the config chose (exit 2)', async () => {
    await writeFile(join(dir, 'online.config.yaml'), config('250ms', '00:00-24:00'));
    const result = await online(dir, ['start', 'add-column', '--table', 'tickets', '--column', 'other', '--type', 'text'], {
      DATABASE_URL: db.url,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no database: pass --database-url or set APP_DB_URL');
  });

  it('a bad config exits 2 naming the file and the key, and changes nothing', async () => {
    const before = await catalogSnapshot(db.sql);
    const bad = await project();
    await writeFile(join(bad, 'online.config.yaml'), 'stateSchema: bad_ledger\nlocks:\n  lock-timeout: abc\n  lock-retry: 3\n');
    const result = await online(bad, ['start', 'add-column', '--table', 'tickets', '--column', 'other', '--type', 'text'], {
      DATABASE_URL: db.url,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid config online.config.yaml:\n  locks: unknown field "lock-retry"');
    await writeFile(join(bad, 'online.config.yaml'), 'stateSchema: bad_ledger\nlocks:\n  lock-timeout: abc\n');
    const value = await online(bad, ['start', 'add-column', '--table', 'tickets', '--column', 'other', '--type', 'text'], {
      DATABASE_URL: db.url,
    });
    expect(value.code).toBe(2);
    expect(value.stderr).toContain(
      'invalid config online.config.yaml:\n  locks.lock-timeout: must be a duration with a unit (ms, s, m (or min), h), like 500ms, 1s, 2m or 1h',
    );
    expect(await catalogSnapshot(db.sql)).toEqual(before);
    const [ledger] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('bad_ledger') is not null as exists`;
    expect(ledger?.exists).toBe(false);
  });
});

describe('online new "create <table>"', severalCliRuns, () => {
  const db = useTestDatabase('new_create_table');

  it('writes a create-table spec for the table, refused untouched, planned against the database once its placeholders are uncommented', async () => {
    const dir = await project();
    expect((await online(dir, ['init'])).code).toBe(0);
    const created = await online(dir, ['new', 'create support_notes', '--json']);
    expect(lastJson(created.stdout)).toEqual({
      path: 'migrations/0001-create-support-notes.yaml',
      file: '0001-create-support-notes.yaml',
      name: '0001-create-support-notes',
      createTable: 'support_notes',
    });
    const file = join(dir, 'migrations', '0001-create-support-notes.yaml');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('\nname: 0001-create-support-notes\n');
    expect(text).toContain('\noperations:\n  - op: create-table');
    expect(text).toContain('\n    table: support_notes\n');

    const untouched = await online(dir, ['check']);
    expect(untouched.code).toBe(2);
    expect(untouched.stderr + untouched.stdout).toContain('columns: needs at least one column');

    await writeFile(file, text.replace('columns: []', 'columns:').replace(/^ {4}# /gm, '    '));
    const plan = await online(dir, ['plan', 'migrations/0001-create-support-notes.yaml'], { DATABASE_URL: db.url });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('create table "public"."support_notes"');
  });
});
