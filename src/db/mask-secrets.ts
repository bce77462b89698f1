// Keeps passwords out of every message, in every form a connection string can carry one:
//   - URLs as postgres.js reads them (src/index.js `parseUrl`: any scheme, `user:password@`, the
//     password percent-encoded or not, several hosts `h1:5432,h2:5433`, and query parameters, which
//     postgres.js forwards to the server, so `?password=` and `?sslpassword=` too);
//   - libpq's keyword/value strings (`host=… password=… dbname=…`, values quoted `'…'` with `\'` and
//     `\\` escapes; `''` is read as part of a value too, to mask more rather than less). postgres.js
//     does not accept them, but a user may still pass one, and it is echoed.
// Two layers: the secrets of the string in hand are blanked wherever they appear, raw and decoded;
// then anything shaped like a password in a URL or a `password=` pair is blanked as well.

const mask = '***';

/** `scheme://user:` … up to the last `@` of the same run of non-space characters. */
const urlUserinfo = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)\S*@/gi;
/**
 * `password=` or `sslpassword=` (keyword/value or URL query): a quoted value, or one up to a space or
 * `&` (a `:` right before the space is left: it ends the URL in `cannot connect to <url>: …`).
 */
const passwordPair = /\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.|'')*'?|(?:[^\s'\\&]|\\.)+?(?=:?(?:[\s&]|$)))/gi;
const secretKeys = new Set(['password', 'sslpassword']);

/** The connection string as it may be shown: every password replaced by `***`. */
export function maskUrl(connection: string): string {
  return maskSecrets(connection, secretsOf(connection));
}

/** Every password the connection string carries, as written and decoded (a URL's or a keyword/value string's). */
export function secretsOf(connection: string): string[] {
  const secrets = connection.includes('://') ? urlSecrets(connection) : keywordValueSecrets(connection);
  return [...new Set(secrets.filter((s) => s !== ''))];
}

/** Replaces each secret (3 characters or more), and anything shaped like a password, with `***`. */
export function maskSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let masked = text;
  const known = secrets.filter((s): s is string => s !== undefined && s.length >= 3).sort((a, b) => b.length - a.length);
  for (const secret of known) masked = masked.split(secret).join(mask);
  return masked.replace(urlUserinfo, `$1${mask}@`).replace(passwordPair, `$1${mask}`);
}

/** The password and query secrets exactly as postgres.js would read them, plus their raw text. */
function urlSecrets(url: string): string[] {
  const secrets: string[] = [];
  // As postgres.js: the authority runs to the first `/` or `?`, the hosts follow its first `@`, and
  // only the first of several hosts is given to the URL parser.
  const authority = url.slice(url.indexOf('://') + 3).split(/[?/]/)[0] ?? '';
  const hosts = authority.slice(authority.indexOf('@') + 1);
  const userinfo = /^[^:@]*:(.*)@/.exec(authority.slice(0, authority.lastIndexOf('@') + 1));
  if (userinfo?.[1] !== undefined) secrets.push(userinfo[1], decoded(userinfo[1]));
  try {
    const parsed = new URL(url.replace(hosts, hosts.split(',')[0] ?? ''));
    secrets.push(parsed.password, decoded(parsed.password));
    for (const [key, value] of parsed.searchParams) if (secretKeys.has(key.toLowerCase())) secrets.push(value);
  } catch {
    // Not a URL postgres.js could use either; the text patterns still apply.
  }
  return secrets;
}

/** The values of `password` and `sslpassword` in a libpq keyword/value string, unquoted, and as written. */
function keywordValueSecrets(connection: string): string[] {
  const secrets: string[] = [];
  const pair = /(\w+)\s*=\s*('((?:[^'\\]|\\.|'')*)'?|((?:[^\s'\\]|\\.)+))/g;
  for (const match of connection.matchAll(pair)) {
    const [, key = '', , quoted, bare] = match;
    const written = quoted ?? bare ?? '';
    if (secretKeys.has(key.toLowerCase())) secrets.push(written, written.replace(/\\(.)/g, '$1'));
  }
  return secrets;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * `PASSWORD '…'` in SQL text (CREATE/ALTER ROLE, CREATE USER MAPPING … OPTIONS (password '…')): the
 * literal, standard, escape (E'…') or dollar-quoted, cut short or not (pg_stat_activity truncates).
 */
const passwordLiteral = /\b(password\s+)(?:[eE]?'(?:[^'\\]|\\.|'')*(?:'|$)|\$([A-Za-z_\d]*)\$[\s\S]*?(?:\$\2\$|$))/gi;

/**
 * Another session's query text as it may be shown (a blocker, an old transaction): every password it
 * carries blanked: `PASSWORD '…'` literals, and connection strings inside it (CREATE SUBSCRIPTION …
 * CONNECTION, dblink) as maskSecrets does.
 */
export function maskQuerySecrets(query: string): string {
  return maskSecrets(query.replace(passwordLiteral, `$1'${mask}'`), []);
}
