// The server's version, as the number PostgreSQL reports (150004 for 15.4).
import type { Sql } from '../db/connect.js';

/** TID range scans, which a backfill over a table with no usable key pages through, came in PostgreSQL 14. */
export const minimumCtidServerVersion = 140000;

export async function serverVersionNum(sql: Sql): Promise<number> {
  const [row] = await sql<{ v: string }[]>`select current_setting('server_version_num') as v`;
  return Number(row?.v);
}
