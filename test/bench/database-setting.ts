// Sets a server setting for every new session of the current database (ALTER DATABASE … SET) for the
// length of a callback, then puts back what the database had before: its own value, or none.
import type postgres from 'postgres';
import { quoteIdent } from '../../src/sql-text/quote.js';

export async function withDatabaseSetting<T>(sql: postgres.Sql, name: string, value: string, use: () => Promise<T>): Promise<T> {
  const [row] = await sql.unsafe<{ database: string; previous: string | null }[]>(
    `select current_database() as database,
            (select substr(c, length($1) + 2) from pg_db_role_setting s, unnest(s.setconfig) c
             where s.setdatabase = (select oid from pg_database where datname = current_database()) and s.setrole = 0
               and c like $1 || '=%') as previous`,
    [name],
  );
  const database = quoteIdent(row?.database ?? 'postgres');
  const setting = quoteIdent(name);
  // ALTER DATABASE takes no parameters: the values are written as literals.
  const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;
  await sql.unsafe(`alter database ${database} set ${setting} = ${literal(value)}`);
  try {
    return await use();
  } finally {
    const previous = row?.previous ?? null;
    await sql.unsafe(
      previous === null
        ? `alter database ${database} reset ${setting}`
        : `alter database ${database} set ${setting} = ${literal(previous)}`,
    );
  }
}
