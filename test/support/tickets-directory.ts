// The examples/tickets migrations directory for the history, status, plan and check tests: applying
// its specs one by one through the library, and copies of it in a temporary project (with an
// online.config.json naming it), so a test can add, break or edit files without touching examples/.
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { loadSpecFile, startMigration, type MigrationResult } from '../../src/index.js';
import { examplePath } from './tickets-fixture.js';

export const ticketsDir = examplePath('tickets');

export async function ticketFiles(): Promise<string[]> {
  return (await readdir(ticketsDir)).filter((f) => f.endsWith('.yaml')).sort();
}

/** Starts examples/tickets/`file` (and completes it with `complete`). */
export async function applyTicketSpec(url: string, file: string, complete: boolean): Promise<MigrationResult> {
  const spec = await loadSpecFile(join(ticketsDir, file));
  return startMigration({ databaseUrl: url, spec, options: { complete } });
}

/** Rows in the tickets table 0001 creates, in every status, some escalated and some resolved. */
export async function seedExampleTickets(sql: postgres.Sql, rows: number): Promise<void> {
  await sql`
    insert into tickets (title, status, escalated, resolved_at)
    select 'seeded ' || g, (array['open', 'pending', 'resolved'])[1 + g % 3], g % 4 = 0, case when g % 3 = 2 then now() end
    from generate_series(1, ${rows}::int) g`;
}

/** Whether the ledger exists: the read-only commands must never create it. */
export async function ledgerExists(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ ok: boolean }[]>`select to_regclass('online_migrate.migrations') is not null as ok`;
  return row?.ok === true;
}

export interface TempProject {
  /** The project root, holding online.config.json. */
  readonly root: string;
  readonly config: string;
  /** `<root>/migrations`, a copy of examples/tickets. */
  readonly migrations: string;
  remove(): Promise<void>;
}

/** A temporary project whose migrations directory is a copy of examples/tickets. */
export async function tempTicketsProject(): Promise<TempProject> {
  const root = await mkdtemp(join(tmpdir(), 'online-project-'));
  const migrations = join(root, 'migrations');
  await cp(ticketsDir, migrations, { recursive: true });
  const config = join(root, 'online.config.json');
  await writeFile(config, `${JSON.stringify({ migrations: 'migrations' }, null, 2)}\n`);
  return { root, config, migrations, remove: () => rm(root, { recursive: true, force: true }) };
}
