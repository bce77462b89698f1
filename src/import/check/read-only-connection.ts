// The connection `check --sql` reads the catalog and the tool's ledger on: it cannot write
// (default_transaction_read_only: the check changes nothing, not even a ledger), and it never queues
// behind DDL (lock_timeout: its catalog reads take ACCESS SHARE, one statement at a time, and give up
// instead of waiting behind an ACCESS EXCLUSIVE held or awaited elsewhere, which writers would then
// queue behind too).
import { connect, type Sql } from '../../db/connect.js';

/** A catalog read waiting longer than this on a lock gives up: the table is reported unsized (large). */
export const checkLockTimeout = '200ms';
const checkStatementTimeout = '30s';

/** Runs `use` on one such connection, closed after. */
export async function withReadOnlyConnection<T>(databaseUrl: string, use: (sql: Sql) => Promise<T>): Promise<T> {
  const pool = await connect(databaseUrl, { max: 1 });
  try {
    const sql = await pool.reserve();
    try {
      await sql.unsafe(`set default_transaction_read_only = on`);
      await sql.unsafe(`set lock_timeout = '${checkLockTimeout}'`);
      await sql.unsafe(`set statement_timeout = '${checkStatementTimeout}'`);
      return await use(sql);
    } finally {
      sql.release();
    }
  } finally {
    await pool.end({ timeout: 5 });
  }
}
