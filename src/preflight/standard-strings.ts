// online checks spliced SQL with PostgreSQL's parser as it reads string literals under
// standard_conforming_strings = on (every server's default since 9.1). With it off, the server treats
// a backslash in '…' as an escape, so it would end a string literal where the parser did not, and an
// expression judged self-contained could reach past its parentheses. So pre-flight refuses to splice
// anything under that setting.
import { PreflightError } from '../errors/index.js';
import type { Sql } from '../db/connect.js';

const checked = new WeakMap<Sql, Promise<void>>();

async function check(sql: Sql): Promise<void> {
  const [row] = await sql<{ on: string }[]>`select current_setting('standard_conforming_strings') as on`;
  if (row?.on !== 'on') {
    throw new PreflightError(
      'NONSTANDARD_STRINGS',
      "standard_conforming_strings is off on this server (or for this role or database): online checks the SQL of a spec with PostgreSQL's parser as it reads strings when it is on, and will not splice SQL the server would read differently; turn it on (ALTER ROLE … SET standard_conforming_strings = on)",
    );
  }
}

/** Refuses (exit 2) when the server would read backslashes in string literals differently from the parser; asked once per pool. */
export async function requireStandardConformingStrings(sql: Sql): Promise<void> {
  let pending = checked.get(sql);
  if (pending === undefined) {
    pending = check(sql);
    checked.set(sql, pending);
  }
  await pending;
}
