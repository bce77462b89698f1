// postgres.js 3.4.9 can end the process when a connection's backend dies: a query on a reserved
// connection whose socket closed throws from a timer callback, where no caller can catch it
// (porsager/postgres#1154, #1208), and a write buffered at the close stops every later write on that
// connection; and a new connection's array-types query, whose promise nothing awaits, ends the process
// as an unhandled rejection when it fails, e.g. with CONNECTION_DESTROYED when a pool is ended while a
// connection starts (porsager/postgres#1192, #1223). online patches the driver on install
// (patches/postgres+3.4.9.patch, applied by patch-package from `npm ci`/`npm install`'s prepare
// script): a closed connection rejects its queries with CONNECTION_CLOSED instead, and a failed types
// query fails only the query that opened the connection. Drop the patch, this file and the prepare
// script once a postgres.js release carries the fixes. An install that skipped the patch (a dependency
// install, where prepare does not run) still works, but a lost connection may end the process: this
// check says so.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One marker per patched defect: an install patched before the later fix counts as unpatched. */
const markers = ['online patch (porsager/postgres#1154, #1208)', 'online patch (porsager/postgres#1192, #1223)'];

let checked: boolean | undefined;

/** Whether the installed postgres.js carries the patch (read once from its source). */
export function driverIsPatched(): boolean {
  if (checked !== undefined) return checked;
  try {
    const connection = new URL('./connection.js', import.meta.resolve('postgres'));
    const source = readFileSync(fileURLToPath(connection), 'utf8');
    checked = markers.every((marker) => source.includes(marker));
  } catch {
    checked = false;
  }
  return checked;
}

export const unpatchedDriverWarning =
  'the installed postgres.js lacks the patch for porsager/postgres#1208 and #1192 (run `npm install` in the online checkout, or see the README): a connection the server drops may end the process instead of being retried';
