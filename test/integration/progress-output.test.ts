// What people see of a running backfill, through the built CLI: the TTY bar under a pseudo-terminal
// (util-linux `script`) through a throttle, a pause and an unpause driven from the test, and Ctrl-C on
// `status --watch`. Every wait is on state (the ledger, the output), never on time.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';
import { eventually } from '../support/watched-cli.js';
import { addColumnArgs } from '../support/add-column-args.js';

interface Frame {
  readonly percent: number;
  readonly text: string;
}

const esc = String.fromCharCode(27);

/** The bar's frames in the order drawn: cursor moves split them, escape sequences removed. */
function framesOf(output: string): Frame[] {
  return output
    .split(new RegExp(`${esc}\\[1G|\r|\n`))
    .map((line) => line.replace(new RegExp(`${esc}\\[[0-9;?]*[A-Za-z]|${esc}[78]`, 'g'), ''))
    .flatMap((text) => {
      const match = /\[[█░]+\] ([\d.]+)%/.exec(text);
      return match === null ? [] : [{ percent: Number(match[1]), text }];
    });
}

/** `script` gives the child a pseudo-terminal, so the CLI draws its bar as it would for a person. */
function requireScript(): void {
  const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error('this test needs util-linux `script` (apt-get install bsdutils) to run the CLI under a pseudo-terminal');
  }
}

const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

interface PtyRun {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

/** Runs the CLI under a pseudo-terminal; `interrupt()` types Ctrl-C on it, as a person would. */
function underPty(args: readonly string[], url: string): PtyRun & { interrupt(): void } {
  // `exec`: `script` runs the command through $SHELL, and a shell that stays as the parent (dash, the
  // /bin/sh of Debian, when SHELL is unset as under CI) dies of the typed Ctrl-C itself, so `script`
  // reports 130 whatever the CLI did. Exec'd, the CLI is the pty's foreground process and its exit code is ours.
  const command = `exec ${[process.execPath, cliPath, ...args].map(shellQuote).join(' ')}`;
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, TERM: 'xterm', COLUMNS: '200' };
  delete env.CI;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => output, exited, interrupt: () => void child.stdin?.write('\u0003') };
}

const running = new Set<ChildProcess>();

describe('progress a person sees', severalCliRuns, () => {
  const db = useTestDatabase('progress_output');
  afterEach(() => {
    for (const child of running) child.kill('SIGKILL');
  });

  async function recordedActivity(name: string): Promise<string | null> {
    const [row] = await db.sql<{ state: string | null }[]>`
      select activity ->> 'state' as state from online_migrate.migrations where name = ${name}`;
    return row?.state ?? null;
  }

  it('TTY bar: held frames name the hold with no rate or ETA, the bar resumes at the true position after unpause, and ends at 100%', async () => {
    requireScript();
    const table = 'tickets_tty';
    const name = `add-column-${table}-priority`;
    await createTickets(db.sql, 30_000, table);
    await db.sql`create table tty_gate (hold boolean not null)`;
    await db.sql`insert into tty_gate values (false)`;
    const gate = async (hold: boolean): Promise<void> => void (await db.sql`update tty_gate set hold = ${hold}`);
    const run = underPty(
      [
        ...addColumnArgs({ table, column: 'priority', type: 'text', backfill: priorityExpression, notNull: true }),
        ...['--batch-size', '500', '--max-batch-size', '500', '--pause-ms', '50', '--probe-interval', '300ms'],
        ...['--throttle-query', 'select hold from tty_gate'],
      ],
      db.url,
    );
    await eventually(
      async () => framesOf(run.output()).filter((f) => f.percent > 0).length,
      (n) => n >= 3,
    );
    // Throttled: the frames say why, and show no rate or ETA.
    await gate(true);
    await eventually(
      async () => run.output(),
      (out) => framesOf(out).some((f) => f.text.includes('throttled:')),
    );
    // Paused while held, then the gate opens: only the pause holds it now.
    expect((await runCli(['pause', name], db.url)).code).toBe(0);
    await eventually(
      () => recordedActivity(name),
      (state) => state === 'paused',
    );
    await gate(false);
    await eventually(
      async () => run.output(),
      (out) => framesOf(out).some((f) => f.text.includes('paused:')),
    );
    const beforeUnpause = framesOf(run.output());
    const held = beforeUnpause.filter((f) => f.text.includes('throttled:') || f.text.includes('paused:'));
    expect(held.length).toBeGreaterThan(0);
    for (const f of held) expect(f.text).not.toMatch(/rows\/s|ETA/);
    const pausedAt = Math.max(...held.map((f) => f.percent));
    expect(pausedAt).toBeGreaterThan(0);
    expect(pausedAt).toBeLessThan(100);

    expect((await runCli(['unpause', name], db.url)).code).toBe(0);
    expect(await run.exited).toBe(0);
    const out = run.output();
    const after = framesOf(out.slice(out.lastIndexOf('running again')));
    expect(after.length).toBeGreaterThan(0);
    for (const f of after) expect(f.percent).toBeGreaterThanOrEqual(pausedAt);
    // The last frame is the finished one: 100%, no ETA. No frame anywhere is past 100% or non-finite.
    expect(after.at(-1)?.percent).toBe(100);
    expect(after.at(-1)?.text).not.toContain('ETA');
    const all = framesOf(out);
    expect(Math.max(...all.map((f) => f.percent))).toBe(100);
    expect(all.filter((f) => f.percent === 100).every((f) => !f.text.includes('ETA'))).toBe(true);
    expect(out).not.toMatch(/NaN|Infinity|NFs/);
    const [cursor] = await db.sql<
      { done: boolean }[]
    >`select bool_and(done) as done from online_migrate.backfill_cursors where migration = ${name}`;
    expect(cursor?.done).toBe(true);
  });

  it('Ctrl-C on status --watch just stops: exit 0, no "finishing the current batch", and each progress line once', async () => {
    const table = 'tickets_watch';
    await createTickets(db.sql, 2_000, table);
    const started = await runCli(
      [...addColumnArgs({ table, column: 'priority', type: 'text', backfill: priorityExpression, notNull: true }), '--json'],
      db.url,
    );
    expect(started.code).toBe(0);
    const child = spawn(process.execPath, [cliPath, 'status', '--watch', '--all'], {
      env: { ...process.env, DATABASE_URL: db.url, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await eventually(
      async () => stdout,
      (out) => out.includes(`backfill public.${table}.priority`),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).not.toContain('finishing the current batch');
    // One screen: the task's progress is on its own line, not repeated by its only range.
    const screen = stdout.split('\u001b[2J\u001b[H').at(-1) ?? '';
    expect(screen.match(/2,000\/2,000 rows/g)).toHaveLength(1);
  });
  it('Ctrl-C in migrate takes the bar down before its line and names one next step: `online migrate <dir>` again', async () => {
    requireScript();
    const table = 'tickets_migrate';
    await createTickets(db.sql, 5_000, table);
    await db.sql`create table migrate_gate (hold boolean not null)`;
    await db.sql`insert into migrate_gate values (false)`;
    const dir = await mkdtemp(join(tmpdir(), 'online-progress-'));
    try {
      await writeFile(
        join(dir, '0001-gated-note.yaml'),
        `name: 0001-gated-note\noperations:\n  - op: add-column\n    table: ${table}\n    column: note\n    type: text\n    backfill: "'x'"\n`,
      );
      const run = underPty(
        [
          'migrate',
          dir,
          '--batch-size',
          '200',
          '--max-batch-size',
          '200',
          '--pause-ms',
          '50',
          '--probe-interval',
          '300ms',
          '--throttle-query',
          'select hold from migrate_gate',
        ],
        db.url,
      );
      await eventually(
        async () => framesOf(run.output()).length,
        (n) => n >= 2,
      );
      // Held by its throttle query, so the bar is on screen when Ctrl-C arrives, whatever the machine's speed.
      await db.sql`update migrate_gate set hold = true`;
      await eventually(
        async () => run.output(),
        (out) => framesOf(out).some((f) => f.text.includes('throttled:')),
      );
      run.interrupt();
      expect(await run.exited).toBe(3);
      const lines = run
        .output()
        .split(/\r?\n/)
        .map((l) => l.replace(new RegExp(`${esc}\\[[0-9;?]*[A-Za-z]|${esc}[78]|\r`, 'g'), ''));
      const signalLine = lines.find((l) => l.includes('SIGINT'));
      // The signal line starts a line of its own: no bar fragment before it.
      expect(signalLine?.trimStart().startsWith('^C') === true ? signalLine.trimStart().slice(2) : signalLine).toMatch(/^SIGINT: /);
      const text = lines.join('\n');
      expect(text.split(`\`online migrate ${dir}\` again`)).toHaveLength(2);
      expect(text).not.toContain('online resume');
      expect(text).not.toContain('once the cause is fixed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
