// Vitest global setup: starts one PostgreSQL for the run and hands its admin URL to the test files.
import type { TestProject } from 'vitest/node';
import { startTestServer, type TestServer } from './postgres-provider.js';

let server: TestServer | undefined;

export async function setup(project: TestProject): Promise<void> {
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
