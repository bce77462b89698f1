// The Ledger: bound to a transaction, everything it writes commits or rolls back with it, including
// the work it is asked to run "in a transaction".
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/state/ledger.js';
import { useTestDatabase } from '../support/test-database.js';

const db = useTestDatabase('ledger');

describe('Ledger', () => {
  it('bound to a transaction, runs transaction(work) in that transaction, so a rollback takes its writes too', async () => {
    const sql = postgres(db.url, { max: 2, onnotice: () => undefined, prepare: false });
    try {
      const ledger = new Ledger({ sql, schema: 'online_ledger_test' });
      await ledger.ensureSchema();
      const rolledBack = new Error('roll back');
      await expect(
        sql.begin(async (tx) => {
          await ledger.within(tx).transaction((inner) => inner.logEvent('m1', 'started'));
          throw rolledBack;
        }),
      ).rejects.toBe(rolledBack);
      await ledger.transaction((inner) => inner.logEvent('m2', 'started'));
      const events = await sql<{ migration: string }[]>`select migration from online_ledger_test.events order by migration`;
      expect(events.map((e) => e.migration)).toEqual(['m2']);
    } finally {
      await sql.end();
    }
  });
});
