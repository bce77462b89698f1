// `plan <dir> --pending`: only the SQL of what the target database has not applied yet, planned against
// its live catalog. Applied specs are left out, a migration waiting for contract shows only its
// contract, a spec on a table an earlier unapplied one changes is deferred, naming that one, and
// nothing on the target changes (schema and ledger equal before and after; no ledger is created).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PendingSpecPlan } from '../../src/index.js';
import { databaseSnapshot } from '../support/catalog-snapshot.js';
import { ledgerSnapshot } from '../support/migrate-fixtures.js';
import { createAccountsByHand, createAccountsSpec, useSpecDirectory } from '../support/accounts-directory.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { ledgerExists } from '../support/tickets-directory.js';

const specs: Readonly<Record<string, string>> = {
  '0001-create-accounts.yaml': createAccountsSpec,
  '0002-account-login.yaml': [
    'operations:',
    '  - op: add-column',
    '    table: accounts',
    '    column: login',
    '    type: text',
    '    backfill: "lower(email)"',
    '    nullable: false',
  ].join('\n'),
  '0003-account-login-index.yaml': [
    'operations:',
    '  - op: create-index',
    '    table: accounts',
    '    name: accounts_login_idx',
    '    columns: [login]',
  ].join('\n'),
  '0004-create-notes.yaml': [
    'operations:',
    '  - op: create-table',
    '    table: notes',
    '    columns:',
    '      - { name: id, type: bigint, identity: always }',
    '      - { name: body, type: text }',
    '    primaryKey: [id]',
  ].join('\n'),
};

describe('plan <dir> --pending', severalCliRuns, () => {
  const db = useTestDatabase('plan_pending', { per: 'test' });
  const specDir = useSpecDirectory(specs);

  it('leaves out applied specs, shows only the contract of one awaiting it, defers a dependent spec, and changes nothing', async () => {
    await createAccountsByHand(db.sql, 50);
    expect((await runCli(['stamp', specDir.path, '--to', '0001-create-accounts.yaml'], db.url)).code).toBe(0);
    const started = await runCli(['start', join(specDir.path, '0002-account-login.yaml')], db.url);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const schemaBefore = await databaseSnapshot(db.sql);
    const ledgerBefore = await ledgerSnapshot(db.sql);

    const plan = await runCli(['plan', specDir.path, '--pending'], db.url);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    const banners = plan.stdout.split('\n').filter((line) => line.startsWith('-- ===='));
    expect(banners).toEqual([
      '-- ==== 1/3 0002-account-login.yaml (awaiting contract in its contract phase: the steps it has left) ====',
      '-- ==== 2/3 0003-account-login-index.yaml (deferred) ====',
      '-- ==== 3/3 0004-create-notes.yaml ====',
    ]);
    expect(plan.stdout).not.toContain('0001-create-accounts');
    const [awaiting, deferred, fresh] = plan.stdout.split(/\n(?=-- ==== )/).slice(1);
    // Awaiting contract: its contract only, no expand, backfill or rollback section.
    expect(awaiting).toMatch(/^-- contract \(online complete\)$/m);
    expect(awaiting).toContain('set not null');
    expect(awaiting).not.toMatch(/^-- (expand|backfill|rollback)/m);
    expect(deferred).toContain(
      '-- not planned: it changes public.accounts after 0002-account-login.yaml (awaiting contract), which is not applied yet',
    );
    expect(deferred).toContain(
      `Run \`online plan ${specDir.path} --pending\` again once it is applied, or \`online plan ${specDir.path}\` to`,
    );
    expect(deferred).not.toMatch(/^create /m);
    expect(fresh).toContain('create table "public"."notes"');

    const json = await runCli(['plan', specDir.path, '--pending', '--json', '--phase', 'contract'], db.url);
    expect(json.code).toBe(0);
    const { migrations } = JSON.parse(json.stdout) as { migrations: PendingSpecPlan[] };
    expect(migrations.map((m) => [m.file, m.state])).toEqual([
      ['0002-account-login.yaml', 'unfinished'],
      ['0003-account-login-index.yaml', 'deferred'],
      ['0004-create-notes.yaml', 'pending'],
    ]);
    expect(migrations[0]).toMatchObject({
      status: 'awaiting_contract',
      phase: 'contract',
      plan: { expand: [], backfill: [], rollback: [] },
    });

    expect(await databaseSnapshot(db.sql)).toEqual(schemaBefore);
    expect(await ledgerSnapshot(db.sql)).toEqual(ledgerBefore);
  });

  it('on a database without a ledger plans the first spec against the live catalog and creates no ledger; a file is refused', async () => {
    const schemaBefore = await databaseSnapshot(db.sql);
    const plan = await runCli(['plan', specDir.path, '--pending', '--json'], db.url);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    const { migrations } = JSON.parse(plan.stdout) as { migrations: PendingSpecPlan[] };
    expect(migrations.map((m) => [m.file, m.state])).toEqual([
      ['0001-create-accounts.yaml', 'pending'],
      ['0002-account-login.yaml', 'deferred'],
      ['0003-account-login-index.yaml', 'deferred'],
      ['0004-create-notes.yaml', 'pending'],
    ]);
    expect(migrations[1]).toMatchObject({ after: '0001-create-accounts.yaml', table: 'public.accounts' });
    expect(await ledgerExists(db.sql)).toBe(false);
    expect(await databaseSnapshot(db.sql)).toEqual(schemaBefore);

    const file = await runCli(['plan', join(specDir.path, '0004-create-notes.yaml'), '--pending'], db.url);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('--pending plans a migrations directory;');
  });
});
