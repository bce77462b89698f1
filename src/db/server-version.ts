// The server's version, as the number PostgreSQL reports (150004 for 15.4).
import type { Sql } from './connect.js';

export async function serverVersionNum(sql: Sql): Promise<number> {
  const [row] = await sql<{ v: string }[]>`select current_setting('server_version_num') as v`;
  return Number(row?.v);
}
