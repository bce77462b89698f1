// A PostgreSQL of one major version for one test file: started once, a fresh database per case, and the
// server's log lines of the migration's own sessions (application_name `online`), database by database.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { startEmbeddedServer, type EmbeddedMajor, type EmbeddedServer } from '../../src/embedded/embedded-server.js';

export interface VersionDatabase {
  readonly name: string;
  readonly url: string;
  /** A superuser connection, for setup and assertions. */
  readonly sql: postgres.Sql;
}

/** Every log line starts with `<application_name>|<database>|<pid>|`. */
const linePrefix = '%a|%d|%p|';

export class VersionServer {
  readonly #lines: string[] = [];
  readonly #databases: VersionDatabase[] = [];
  #server: EmbeddedServer | undefined;
  #admin: postgres.Sql | undefined;

  constructor(readonly major: EmbeddedMajor) {}

  async start(): Promise<void> {
    let partial = '';
    this.#server = await startEmbeddedServer({
      version: this.major,
      settings: { log_line_prefix: linePrefix },
      onLog: (chunk) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        this.#lines.push(...lines);
      },
    });
    this.#admin = postgres(this.#server.url, { max: 1, onnotice: () => undefined });
  }

  /** The server's version number (140023 for 14.23). */
  async versionNum(): Promise<number> {
    const [row] = await this.#adminSql()<{ v: number }[]>`select current_setting('server_version_num')::int as v`;
    return row?.v ?? 0;
  }

  /**
   * A new database made by `setup`. With `debugLog`, its sessions log every statement, and at DEBUG1
   * PostgreSQL says whether ALTER TABLE read the whole table (see `tableReads`).
   */
  async database(prefix: string, setup: string, options: { readonly debugLog?: boolean } = {}): Promise<VersionDatabase> {
    const admin = this.#adminSql();
    const name = `${prefix}_${randomBytes(3).toString('hex')}`;
    await admin.unsafe(`create database "${name}"`);
    if (options.debugLog === true) {
      await admin.unsafe(`alter database "${name}" set log_min_messages = 'debug1'`);
      await admin.unsafe(`alter database "${name}" set log_statement = 'all'`);
    }
    const url = new URL(this.#server?.url ?? '');
    url.pathname = `/${name}`;
    const sql = postgres(url.toString(), { max: 2, onnotice: () => undefined });
    const database = { name, url: url.toString(), sql };
    this.#databases.push(database);
    await sql.unsafe(setup);
    return database;
  }

  /** The log lines of the migration's sessions in `database`, as `<pid>|<line>`. */
  onlineLog(database: VersionDatabase): string[] {
    const prefix = `online|${database.name}|`;
    return this.#lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  }

  async stop(): Promise<void> {
    for (const database of this.#databases) await database.sql.end({ timeout: 5 });
    await this.#admin?.end({ timeout: 5 });
    await this.#server?.stop();
  }

  #adminSql(): postgres.Sql {
    if (this.#admin === undefined) throw new Error(`the PostgreSQL ${this.major} server has not started`);
    return this.#admin;
  }
}

/** A statement after which PostgreSQL read every row of a table: to check a constraint, or to rewrite it. */
export interface TableRead {
  readonly table: string;
  readonly rewrite: boolean;
  /** The first line of the statement the session ran last. */
  readonly statement: string;
}

/** Every full read of a table in `onlineLog` lines (PostgreSQL logs each at DEBUG1), with the statement that caused it. */
export function tableReads(lines: readonly string[]): TableRead[] {
  const lastStatement = new Map<string, string>();
  const reads: TableRead[] = [];
  for (const line of lines) {
    const [pid = '', text = ''] = splitOnce(line, '|');
    const statement = /^LOG:\s+(?:statement|execute [^:]*): (.*)$/.exec(text);
    if (statement !== null) lastStatement.set(pid, statement[1] ?? '');
    const read = /^DEBUG:\s+(verifying|rewriting) table "(.+)"$/.exec(text);
    if (read !== null) reads.push({ table: read[2] ?? '', rewrite: read[1] === 'rewriting', statement: lastStatement.get(pid) ?? '' });
  }
  return reads;
}

/** What PostgreSQL logs at DEBUG1 when SET NOT NULL is proven by a validated CHECK instead of a scan. */
export function notNullProofs(lines: readonly string[]): string[] {
  return lines.filter((l) => /existing constraints on column ".+" are sufficient to prove that it does not contain nulls/.test(l));
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}
