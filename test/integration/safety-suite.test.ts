// Every operation's lifecycle under a foreign-shaped application workload, with faults: see
// test/support/safety-suite.ts for the workload, the faults and what is asserted.
import { describe, expect, it } from 'vitest';
import {
  bankSchema,
  defaultLoad,
  referenceSchema,
  runSafetyCase,
  seeded,
  soakLoad,
  soakRounds,
  worstWaitBoundMs,
  type SafetyCase,
} from '../support/safety-suite.js';
import { useTestDatabase } from '../support/test-database.js';

const cases: readonly SafetyCase[] = [
  {
    name: 'add-column',
    spec: {
      name: 'add-tier',
      operations: [
        {
          op: 'add-column',
          table: 'accounts',
          column: 'tier',
          type: 'text',
          default: "'basic'",
          backfill: "'tier-' || (n % 3)",
          nullable: false,
        },
      ],
    },
    wrongRows: `select count(*)::int as n from accounts where n <= ${seeded} and tier is distinct from 'tier-' || (n % 3)`,
  },
  {
    name: 'create-index',
    spec: {
      name: 'index-balance',
      operations: [{ op: 'create-index', table: 'accounts', columns: ['balance'], name: 'accounts_balance_idx' }],
    },
  },
  {
    name: 'drop-index',
    setup: 'create index accounts_note_idx on accounts (note)',
    spec: { name: 'drop-note-index', operations: [{ op: 'drop-index', table: 'accounts', name: 'accounts_note_idx' }] },
  },
  {
    name: 'add-unique',
    spec: { name: 'unique-code', operations: [{ op: 'add-unique', table: 'accounts', columns: ['code'], name: 'accounts_code_key' }] },
  },
  {
    name: 'add-check',
    spec: {
      name: 'check-balance',
      operations: [{ op: 'add-check', table: 'accounts', name: 'accounts_balance_sane', check: 'balance > -1000000000' }],
    },
  },
  {
    name: 'add-foreign-key',
    spec: {
      name: 'history-fk',
      operations: [
        { op: 'add-foreign-key', table: 'history', columns: ['account_id'], references: { table: 'accounts', columns: ['id'] } },
      ],
    },
  },
  {
    name: 'set-not-null',
    spec: { name: 'score-not-null', operations: [{ op: 'set-not-null', table: 'accounts', column: 'score', backfill: '0' }] },
    wrongRows: 'select count(*)::int as n from accounts where score is null',
  },
  {
    name: 'change-type',
    setup: 'alter table history add constraint history_account_fkey foreign key (account_id) references accounts (id)',
    spec: { name: 'widen-account-id', operations: [{ op: 'change-type', table: 'accounts', column: 'id', type: 'bigint' }] },
    wrongRows: `select count(*)::int as n from accounts where id <> n and n <= ${seeded}`,
  },
  {
    name: 'rename-column',
    spec: { name: 'rename-legacy', operations: [{ op: 'rename-column', table: 'accounts', column: 'legacy', to: 'legacy_text' }] },
    wrongRows: `select count(*)::int as n from accounts where n <= ${seeded} and legacy_text is distinct from 'legacy ' || n`,
  },
  { name: 'drop-column', spec: { name: 'drop-legacy', operations: [{ op: 'drop-column', table: 'accounts', column: 'legacy' }] } },
  {
    name: 'create-table',
    spec: {
      name: 'create-disputes',
      operations: [
        {
          op: 'create-table',
          table: 'disputes',
          columns: [
            { name: 'id', type: 'bigint', identity: 'always' },
            { name: 'account_id', type: 'int', nullable: false },
          ],
          primaryKey: ['id'],
          foreignKeys: [{ columns: ['account_id'], references: { table: 'accounts', columns: ['id'] } }],
        },
      ],
    },
  },
  {
    name: 'drop-table',
    setup:
      'create table old_notes (id serial primary key, account_id int references accounts (id)); insert into old_notes (account_id) select g from generate_series(1, 20) g',
    spec: { name: 'drop-old-notes', operations: [{ op: 'drop-table', table: 'old_notes' }] },
  },
  {
    name: 'backfill',
    // The application writes score on its own rows, so only the rows without one need the backfill.
    spec: { name: 'fill-score', operations: [{ op: 'backfill', table: 'accounts', set: { score: 'n % 5' }, where: 'score is null' }] },
    wrongRows: `select count(*)::int as n from accounts where n <= ${seeded} and score is distinct from n % 5`,
  },
  {
    name: 'sql',
    spec: {
      name: 'comment-accounts',
      operations: [
        { op: 'sql', phase: 'expand', sql: "comment on table accounts is 'bank accounts'", rollback: 'comment on table accounts is null' },
      ],
    },
  },
];

const rounds = soakRounds();
const load = rounds > 1 ? soakLoad : defaultLoad;
const runs = cases.flatMap((c) => Array.from({ length: rounds }, (_, round) => ({ ...c, round: round + 1 })));

describe.each(runs)('$name under a foreign workload, killed and disconnected (round $round)', (c) => {
  const reference = useTestDatabase('safety_ref');
  const db = useTestDatabase('safety');

  it('zero writer errors, the ledger balanced, every row right, the schema as an uninterrupted run leaves it, no writer held up', async () => {
    for (const target of [reference, db]) await target.sql.unsafe(`${bankSchema}\n${c.setup ?? ''}`);
    const expectedSchema = await referenceSchema(c, reference.url);
    const outcome = await runSafetyCase(c, db.url, load);
    process.stdout.write(
      `${c.name}: ${outcome.transactions} transactions, worst wait ${Math.round(outcome.worstWaitMs)} ms; faults: ${outcome.faults.join('; ')}\n`,
    );
    expect(outcome.writerErrors).toEqual([]);
    expect(outcome.ledger).toEqual([]);
    expect(outcome.wrongRows).toBe(0);
    expect(outcome.schema).toEqual(expectedSchema);
    expect(outcome.worstWaitMs).toBeLessThan(worstWaitBoundMs);
  }, 600_000);
});
