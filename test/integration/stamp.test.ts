// `online stamp`: a database whose schema was built with plain SQL adopts a migrations directory. The
// stamped specs are recorded applied without running, `migrate` applies only the later ones, and an
// edited stamped file is drift. Invalid input, conflicting ledger records and a held migrate lock
// refuse with exit 2 and nothing recorded; a dry run records nothing.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccountsByHand, createAccountsSpec, useSpecDirectory } from '../support/accounts-directory.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { ledgerExists } from '../support/tickets-directory.js';

const specs: Readonly<Record<string, string>> = {
  '0001-create-accounts.yaml': createAccountsSpec,
  '0002-account-nickname.yaml': ['operations:', '  - op: add-column', '    table: accounts', '    column: nickname', '    type: text'].join(
    '\n',
  ),
  '0003-account-email-index.yaml': [
    'operations:',
    '  - op: create-index',
    '    table: accounts',
    '    name: accounts_email_idx',
    '    columns: [email]',
  ].join('\n'),
};

describe('online stamp', severalCliRuns, () => {
  const db = useTestDatabase('stamp', { per: 'test' });
  const specDir = useSpecDirectory(specs);

  async function ledger(): Promise<Record<string, string>> {
    const rows = await db.sql<{ name: string; status: string }[]>`select name, status from online_migrate.migrations order by name`;
    return Object.fromEntries(rows.map((r) => [r.name, r.status]));
  }

  it('baselines a schema built with plain SQL: migrate then applies only the later specs, and an edited stamped file is drift', async () => {
    await createAccountsByHand(db.sql, 100);
    const refused = await runCli(['migrate', specDir.path], db.url);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('table public.accounts already exists');

    const stamp = await runCli(['stamp', specDir.path, '--to', '0001-create-accounts.yaml'], db.url);
    expect(stamp.stderr).toBe('');
    expect(stamp.code).toBe(0);
    expect(stamp.stdout).toBe(
      'stamped         0001-create-accounts.yaml\n' +
        '1 spec recorded as applied, without running them; `online migrate` applies the specs after them\n',
    );
    expect(await ledger()).toEqual({ '0001-create-accounts': 'completed' });
    const history = await runCli(['history'], db.url);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('0001-create-accounts');
    const [hashes] = await db.sql<{ stamped: string }[]>`select spec_hash as stamped from online_migrate.migrations`;

    const migrate = await runCli(['migrate', specDir.path, '--json'], db.url);
    expect(migrate.stderr).toBe('');
    expect(migrate.code).toBe(0);
    const result = JSON.parse(migrate.stdout.trim().split('\n').at(-1) ?? '{}') as { specs: { file: string; action: string }[] };
    expect(result.specs.map((s) => [s.file, s.action])).toEqual([
      ['0001-create-accounts.yaml', 'skipped'],
      ['0002-account-nickname.yaml', 'started'],
      ['0003-account-email-index.yaml', 'started'],
    ]);
    expect(await ledger()).toEqual({
      '0001-create-accounts': 'completed',
      '0002-account-nickname': 'completed',
      '0003-account-email-index': 'completed',
    });
    const [shape] = await db.sql<{ rows: number; nickname: boolean; index: boolean }[]>`
      select (select count(*)::int from accounts) as rows,
             exists (select 1 from information_schema.columns where table_name = 'accounts' and column_name = 'nickname') as nickname,
             to_regclass('accounts_email_idx') is not null as index`;
    expect(shape).toEqual({ rows: 100, nickname: true, index: true });

    // Stamping again: everything is applied with the same content, nothing to do.
    const again = await runCli(['stamp', specDir.path, '--json'], db.url);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout.trim()) as { specs: { action: string }[] }).specs.map((s) => s.action)).toEqual([
      'already-applied',
      'already-applied',
      'already-applied',
    ]);

    // The stamped hash is the one migrate compares: an edit of the stamped file is drift.
    await writeFile(
      join(specDir.path, '0001-create-accounts.yaml'),
      `${specs['0001-create-accounts.yaml']?.replace('email, type: text', 'email, type: varchar')}\n`,
    );
    const drift = await runCli(['migrate', specDir.path], db.url);
    expect(drift.code).toBe(2);
    expect(drift.stderr).toContain(`0001-create-accounts.yaml (migration 0001-create-accounts): recorded ${hashes?.stamped.slice(0, 12)}`);
    const conflict = await runCli(['stamp', specDir.path], db.url);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain('0001-create-accounts.yaml (migration 0001-create-accounts): applied from different content');
  });

  it('a dry run records nothing; an invalid spec or an unknown --to refuses with nothing recorded; a missing table warns', async () => {
    const dry = await runCli(['stamp', specDir.path, '--dry-run'], db.url);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toBe(
      'warning: 0001-create-accounts.yaml: table public.accounts does not exist (create-table would create it)\n' +
        'warning: 0002-account-nickname.yaml: column public.accounts.nickname does not exist (add-column would add it)\n' +
        'warning: 0003-account-email-index.yaml: index public.accounts_email_idx does not exist (create-index would build it)\n',
    );
    expect(dry.stdout).toContain('would stamp     0003-account-email-index.yaml\n');
    expect(dry.stdout).toContain('dry run: 3 specs would be recorded as applied, without running them; nothing was recorded\n');
    expect(await ledgerExists(db.sql)).toBe(false);

    const unknown = await runCli(['stamp', specDir.path, '--to', '0009-nope.yaml'], db.url);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--to 0009-nope.yaml: no spec file of that name in');
    await writeFile(join(specDir.path, '0004-broken.yaml'), 'operations:\n  - op: add-column\n    table: accounts\n');
    const invalid = await runCli(['stamp', specDir.path, '--to', '0001-create-accounts.yaml'], db.url);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('0004-broken.yaml');
    expect(await ledgerExists(db.sql)).toBe(false);
  });

  it('refuses a spec recorded in another state, and with --no-wait while a migrate holds the lock, recording nothing', async () => {
    await createAccountsByHand(db.sql, 100);
    const started = await runCli(['start', join(specDir.path, '0002-account-nickname.yaml')], db.url);
    expect(started.code).toBe(0);
    expect(await ledger()).toEqual({ '0002-account-nickname': 'awaiting_contract' });
    const refused = await runCli(['stamp', specDir.path], db.url);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      '0002-account-nickname.yaml (migration 0002-account-nickname): recorded awaiting contract; finish it with resume, complete or rollback first',
    );
    expect(await ledger()).toEqual({ '0002-account-nickname': 'awaiting_contract' });

    // A migrate holds the lock (as its session does): stamp --no-wait refuses and records nothing.
    const holder = await db.sql.reserve();
    try {
      await holder`select pg_advisory_lock(hashtext('online_migrate'), hashtext('(migrate)'))`;
      const locked = await runCli(['stamp', specDir.path, '--to', '0001-create-accounts.yaml', '--no-wait'], db.url);
      expect(locked.code).toBe(2);
      expect(locked.stderr).toContain('is running on this database; nothing was changed');
      await holder`select pg_advisory_unlock(hashtext('online_migrate'), hashtext('(migrate)'))`;
    } finally {
      holder.release();
    }
    expect(await ledger()).toEqual({ '0002-account-nickname': 'awaiting_contract' });
    const stamped = await runCli(['stamp', specDir.path, '--to', '0001-create-accounts.yaml'], db.url);
    expect(stamped.code).toBe(0);
    expect(await ledger()).toEqual({ '0001-create-accounts': 'completed', '0002-account-nickname': 'awaiting_contract' });
  });
});
