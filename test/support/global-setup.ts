// Vitest global setup: starts one PostgreSQL for the run and hands its admin URL to the test files.
import type { TestProject } from 'vitest/node';
import { staleBuilds } from './build-freshness.js';
import { startTestServer, type TestServer } from './postgres-provider.js';

let server: TestServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  const stale = staleBuilds();
  if (stale.length > 0) throw new Error(stale.join('\n'));
  server = await startTestServer((line) => process.stderr.write(`[pg] ${line}\n`));
  process.stderr.write(`[pg] using ${server.provider}\n`);
  project.provide('pgAdminUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}
