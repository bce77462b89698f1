import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/test-database.js';

describe('test harness', () => {
  const db = useTestDatabase('harness');

  it('gives each test file its own database on a real PostgreSQL 13+', async () => {
    const [row] = await db.sql<
      { db: string; v: number }[]
    >`select current_database() as db, current_setting('server_version_num')::int as v`;
    expect(row?.db).toMatch(/^harness_[0-9a-f]{8}$/);
    expect(row?.v).toBeGreaterThanOrEqual(130000);
  });
});
