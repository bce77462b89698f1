// Runs a probe in a transaction that is always rolled back: pre-flight asks PostgreSQL questions (does
// this compile, would this constraint be accepted) without changing anything.
import type { Sql, TransactionSql } from './connect.js';

class Rollback extends Error {}

export async function inRolledBackTransaction<T>(sql: Sql, probe: (tx: TransactionSql) => Promise<T>): Promise<T> {
  let result: { readonly value: T } | undefined;
  try {
    await sql.begin(async (tx) => {
      result = { value: await probe(tx) };
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  if (result === undefined) throw new Error('the rolled-back probe returned nothing');
  return result.value;
}
