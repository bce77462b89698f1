// `online status <name> --json` through the built CLI: the one migration's report, as a test reads it.
import { expect } from 'vitest';
import type { MigrationReport } from '../../src/index.js';
import { runCli } from './run-cli.js';

export async function statusReport(url: string, name: string): Promise<MigrationReport> {
  const result = await runCli(['status', name, '--json'], url);
  expect(result.code).toBe(0);
  const [report] = (JSON.parse(result.stdout.trim()) as { migrations: MigrationReport[] }).migrations;
  if (report === undefined) throw new Error(`no status for ${name}`);
  return report;
}
