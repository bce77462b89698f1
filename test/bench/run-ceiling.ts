// One measured run of an operation against its offline ceiling: a fresh table, then either the
// offline statement or the online CLI, with the WAL it wrote, then the check of what it left.
import type postgres from 'postgres';
import { epochMs } from './bench-clock.js';
import { seedFreshTickets } from './bench-table.js';
import type { OfflineCeiling } from './offline-ceilings.js';
import { runOnlineCli } from './online-cli-run.js';
import { walPosition, walSince } from './run-once.js';

export type CeilingWay = 'offline' | 'online';

export interface CeilingRecord {
  readonly operation: OfflineCeiling['id'];
  readonly way: CeilingWay;
  readonly round: number;
  readonly rows: number;
  readonly seconds: number;
  readonly walBytes: number;
  /** The CLI's peak resident set, bytes; null offline. */
  readonly peakRssBytes: number | null;
}

export async function runCeiling(
  sql: postgres.Sql,
  databaseUrl: string,
  ceiling: OfflineCeiling,
  way: CeilingWay,
  rows: number,
  round: number,
): Promise<CeilingRecord> {
  await seedFreshTickets(sql, rows);
  const walFrom = await walPosition(sql);
  let seconds: number;
  let peakRssBytes: number | null = null;
  if (way === 'offline') {
    const from = epochMs();
    await sql.unsafe(ceiling.offlineSql);
    seconds = (epochMs() - from) / 1000;
  } else {
    const run = await runOnlineCli(databaseUrl, ceiling.onlineArgs);
    const window = ceiling.onlineWindow(run, rows);
    seconds = (window.to - window.from) / 1000;
    peakRssBytes = run.peakRssBytes;
  }
  const walBytes = await walSince(sql, walFrom);
  await ceiling.check(sql);
  return { operation: ceiling.id, way, round, rows, seconds, walBytes, peakRssBytes };
}
