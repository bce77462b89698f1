import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { jsonLines, runCli, severalCliRuns } from '../support/run-cli.js';
import { startShapeWriters } from '../support/shape-writers.js';
import { useTestDatabase } from '../support/test-database.js';
import { eventually } from '../support/watched-cli.js';
import {
  copyTicketsExample,
  ledgerSnapshot,
  ledgerStatuses,
  removeDir,
  ticketsDir,
  ticketsMigrations,
} from '../support/migrate-fixtures.js';

describe('online migrate on examples/tickets', severalCliRuns, () => {
  const db = useTestDatabase('migrate');
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map(removeDir));
  });

  it('applies every spec in order from an empty database while the application writes, then a re-run is a no-op', async () => {
    const run = runCli(['migrate', ticketsDir, '--batch-size', '100', '--min-batch-size', '100', '--max-batch-size', '100'], db.url);
    // The application starts writing as soon as its table exists, like a deploy racing the migration.
    await eventually(
      async () => (await db.sql<{ ok: boolean }[]>`select to_regclass('public.tickets') is not null as ok`)[0]?.ok,
      (ok) => ok === true,
    );
    const writers = startWriters(db.url, { writers: 2 });
    const result = await run;
    const traffic = await writers.stop();

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(traffic.errors).toEqual([]);
    expect(traffic.operations).toBeGreaterThan(50);
    const names = await ticketsMigrations();
    expect(names).toHaveLength(9);
    for (const name of names) expect(result.stdout).toContain(`✓ ${name}.yaml: ${name} completed`);
    expect(result.stdout).toContain(`all 9 specs completed`);
    // Applied one after another, in file order.
    const order = await db.sql<
      { name: string }[]
    >`select name from online_migrate.migrations where status = 'completed' order by completed_at`;
    expect(order.map((r) => r.name)).toEqual(names);

    const tickets = await catalogSnapshot(db.sql, 'tickets');
    expect(tickets.columns).toMatchObject({
      status: { type: 'text', notNull: true, default: "'OPEN'::text" },
      priority: { type: 'text', notNull: true, default: "'normal'::text" },
      resolution_time_seconds: { type: 'integer', notNull: false, default: null },
      assigned_user_id: { type: 'bigint', notNull: false, default: null },
    });
    expect(tickets.triggers).toEqual([]);
    expect(tickets.onlineFunctions).toEqual([]);
    expect(tickets.constraints).toMatchObject({ tickets_assigned_user_id_fkey: { type: 'f', validated: true } });
    const satisfaction = await catalogSnapshot(db.sql, 'customer_satisfaction');
    expect(Object.values(satisfaction.constraints).filter((c) => c.type === 'f')).toEqual([{ type: 'f', validated: true }]);
    const indexes = await db.sql<{ name: string; valid: boolean }[]>`
      select c.relname as name, i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
      where i.indrelid = 'tickets'::regclass and c.relname in ('tickets_priority_idx', 'tickets_assigned_user_id_idx') order by 1`;
    expect(indexes).toEqual([
      { name: 'tickets_assigned_user_id_idx', valid: true },
      { name: 'tickets_priority_idx', valid: true },
    ]);
    // No row lost (ids are never reused and nothing failed) and none left without a priority.
    const [counts] = await db.sql<{ rows: number; maxId: number; noPriority: number; badStatus: number }[]>`
      select count(*)::int as rows, max(id)::int as "maxId", count(*) filter (where priority is null)::int as "noPriority",
             count(*) filter (where status not in ('OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED', 'open', 'resolved'))::int as "badStatus"
      from tickets`;
    expect(counts?.rows).toBeGreaterThan(20);
    expect(counts).toMatchObject({ rows: counts?.maxId, noPriority: 0, badStatus: 0 });

    const ledgerBefore = await ledgerSnapshot(db.sql);
    const catalogBefore = [tickets, satisfaction];
    const again = await runCli(['migrate', ticketsDir], db.url);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
    expect(again.stdout.trim()).toBe(`nothing to do in ${ticketsDir}: all 9 specs are applied`);
    expect(await ledgerSnapshot(db.sql)).toEqual(ledgerBefore);
    expect([await catalogSnapshot(db.sql, 'tickets'), await catalogSnapshot(db.sql, 'customer_satisfaction')]).toEqual(catalogBefore);

    const json = await runCli(['migrate', ticketsDir, '--json'], db.url);
    expect(json.code).toBe(0);
    const lines = jsonLines(json.stdout);
    expect(lines.at(-1)).toMatchObject({ nothingToDo: true, mode: 'all', awaitingContract: [], pending: [] });
    expect((lines.at(-1)?.specs as { action: string }[]).map((s) => s.action)).toEqual(names.map(() => 'skipped'));
  });

  it('refuses an applied spec edited afterwards, naming the file, unless --allow-drift; comments are not drift', async () => {
    const dir = await copyTicketsExample();
    dirs.push(dir);
    // A new spec after the applied ones: it must not run while an applied one has drifted.
    await writeFile(
      join(dir, '0010-ticket-created-index.yaml'),
      'operations:\n  - op: create-index\n    table: tickets\n    columns: [created_at]\n',
    );
    const priority = join(dir, '0002-ticket-priority.yaml');
    await writeFile(priority, (await readFile(priority, 'utf8')).replace(`default: "'normal'"`, `default: "'medium'"`));
    const index = join(dir, '0003-ticket-priority-index.yaml');
    await writeFile(index, `# reviewed again; only this comment and the blank lines are new\n\n${await readFile(index, 'utf8')}\n\n`);

    const ledgerBefore = await ledgerSnapshot(db.sql);
    const catalogBefore = await catalogSnapshot(db.sql, 'tickets');
    const refused = await runCli(['migrate', dir], db.url);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'a migration of this directory was applied from different content (another file of the same name? or edited after it started)',
    );
    expect(refused.stderr).toMatch(
      /0002-ticket-priority\.yaml \(migration 0002-ticket-priority\): recorded [0-9a-f]{12}, file now [0-9a-f]{12}/,
    );
    expect(refused.stderr).not.toContain('0003-ticket-priority-index.yaml');
    expect(refused.stderr).toContain('--allow-drift');
    expect(await ledgerSnapshot(db.sql)).toEqual(ledgerBefore);
    expect(await catalogSnapshot(db.sql, 'tickets')).toEqual(catalogBefore);

    const json = await runCli(['migrate', dir, '--json'], db.url);
    expect(json.code).toBe(2);
    expect(jsonLines(json.stdout).at(-1)).toMatchObject({
      error: { code: 'SPEC_DRIFT', exitCode: 2, drifted: [{ file: '0002-ticket-priority.yaml', migration: '0002-ticket-priority' }] },
    });

    const allowed = await runCli(['migrate', dir, '--allow-drift'], db.url);
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('warning: applied specs were edited since they started');
    expect(allowed.stdout).toContain('0002-ticket-priority.yaml (migration 0002-ticket-priority)');
    expect(allowed.stdout).toContain('✓ 0010-ticket-created-index.yaml: 0010-ticket-created-index completed');
    // The applied migration keeps what it recorded: the edit is not applied.
    expect((await catalogSnapshot(db.sql, 'tickets')).columns.priority?.default).toBe("'normal'::text");
    expect(await ledgerStatuses(db.sql)).toMatchObject({ '0002-ticket-priority': 'completed', '0010-ticket-created-index': 'completed' });
  });
  it('changes nothing when a spec of the directory is invalid, naming every invalid file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'online-migrate-invalid-'));
    dirs.push(dir);
    await writeFile(
      join(dir, '0300-labels.yaml'),
      'operations:\n  - op: create-table\n    table: labels\n    columns:\n      - { name: id, type: bigint }\n    primaryKey: [id]\n',
    );
    await writeFile(join(dir, '0301-broken.yaml'), 'operations:\n  - op: add-column\n    table: labels\n');
    await writeFile(join(dir, '0302-not-yaml.yaml'), 'operations: [\n');
    const ledgerBefore = await ledgerSnapshot(db.sql);
    const refused = await runCli(['migrate', dir], db.url);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('0301-broken.yaml: ');
    expect(refused.stderr).toContain('0302-not-yaml.yaml: not valid YAML');
    expect(refused.stderr).not.toContain('0300-labels.yaml');
    expect((await db.sql`select to_regclass('public.labels') as t`)[0]?.t).toBeNull();
    expect(await ledgerSnapshot(db.sql)).toEqual(ledgerBefore);
  });

  it('stops at the first failure with it recorded, and a re-run continues there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'online-migrate-tags-'));
    dirs.push(dir);
    await writeFile(
      join(dir, '0200-create-tags.yaml'),
      'operations:\n  - op: create-table\n    table: tags\n    columns:\n      - { name: id, type: bigint, identity: always }\n      - { name: label, type: text, nullable: false }\n    primaryKey: [id]\n',
    );
    expect((await runCli(['migrate', dir], db.url)).code).toBe(0);
    await db.sql`insert into tags (label) select 'tag ' || (g % 900) from generate_series(1, 1000) g`;
    await writeFile(join(dir, '0201-tags-label-unique.yaml'), 'operations:\n  - op: add-unique\n    table: tags\n    columns: [label]\n');
    await writeFile(
      join(dir, '0202-tags-label-pattern-index.yaml'),
      'operations:\n  - op: create-index\n    table: tags\n    columns: [label]\n    name: tags_label_pattern_idx\n',
    );

    // The application writes tags all along; only unique labels, as the new constraint demands.
    const writers = startShapeWriters(db.url, {
      seeded: 0,
      insert: (sql, n) => sql`insert into tags (label) values (${`app tag ${n}`})`,
      update: () => Promise.resolve(),
    });
    const failed = await runCli(['migrate', dir], db.url);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('error: migration "0201-tags-label-unique" failed: the table has duplicate (label) values');
    expect(failed.stdout).toContain('✗ 0201-tags-label-unique.yaml: 0201-tags-label-unique stopped the run (DATA_VIOLATION)');
    expect(await ledgerStatuses(db.sql)).toMatchObject({ '0200-create-tags': 'completed', '0201-tags-label-unique': 'failed' });
    expect(await ledgerStatuses(db.sql)).not.toHaveProperty('0202-tags-label-pattern-index');

    await db.sql`delete from tags where id > 900 and label like 'tag %'`;
    const continued = await runCli(['migrate', dir, '--json'], db.url);
    const traffic = await writers.stop();
    expect(continued.code).toBe(0);
    expect(traffic.errors).toEqual([]);
    expect(traffic.inserts).toBeGreaterThan(10);
    expect(jsonLines(continued.stdout).at(-1)?.specs).toEqual([
      { file: '0200-create-tags.yaml', migration: '0200-create-tags', action: 'skipped', status: 'completed' },
      { file: '0201-tags-label-unique.yaml', migration: '0201-tags-label-unique', action: 'resumed', status: 'completed' },
      { file: '0202-tags-label-pattern-index.yaml', migration: '0202-tags-label-pattern-index', action: 'started', status: 'completed' },
    ]);
    expect((await catalogSnapshot(db.sql, 'tags')).constraints).toMatchObject({ tags_label_key: { type: 'u', validated: true } });
    const [tags] = await db.sql<{ n: number }[]>`select count(*)::int as n from tags where label like 'app tag %'`;
    expect(tags?.n).toBe(traffic.inserts);
  });
});
