// The bench's async-commit approach sets synchronous_commit=off for the database's new sessions for
// one run, then puts back what the database had before, even when the run fails.
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { withDatabaseSetting } from '../../test/bench/database-setting.js';
import { useTestDatabase } from '../support/test-database.js';

describe('withDatabaseSetting', () => {
  const db = useTestDatabase('bench_setting');

  /** What a new session of the database starts with. */
  async function newSession(): Promise<string> {
    const fresh = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      const [row] = await fresh<{ value: string }[]>`select current_setting('synchronous_commit') as value`;
      return row?.value ?? '';
    } finally {
      await fresh.end({ timeout: 5 });
    }
  }

  it('gives new sessions the value during the callback and resets it after', async () => {
    const inside = await withDatabaseSetting(db.sql, 'synchronous_commit', 'off', newSession);
    expect(inside).toBe('off');
    expect(await newSession()).toBe('on');
  });

  it("puts back the database's own value, also when the callback throws", async () => {
    const [row] = await db.sql<{ name: string }[]>`select current_database() as name`;
    await db.sql.unsafe(`alter database "${row?.name ?? ''}" set synchronous_commit = 'local'`);
    const failing = withDatabaseSetting(db.sql, 'synchronous_commit', 'off', async () => {
      expect(await newSession()).toBe('off');
      throw new Error('the run failed');
    });
    await expect(failing).rejects.toThrow('the run failed');
    expect(await newSession()).toBe('local');
  });
});
