// Free disk against the bytes the migration will write (the forecast's WAL and new index bytes, given
// by the caller). PostgreSQL has no SQL for free space, so this works only where the server's data
// directory is visible from this process (the same host, and a role that may read data_directory:
// superuser or pg_read_all_settings): the file system of its pg_wal (or the directory itself) is
// measured with statfs. Anywhere else the headroom is reported unknown, with what is needed. Never fails.
import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, type Sql } from '../db/connect.js';
import type { DiskHeadroomDetails, Hazard } from './hazard.js';

/** Warn below this many times the bytes needed: WAL stays until a checkpoint (or a slot) lets it go, and sorts spill to temporary files. */
export const diskSafetyFactor = 2;

interface Measured {
  readonly freeBytes: number;
  readonly directory: string;
  /** The directory's postmaster.pid could be read and names this server. */
  readonly verified: boolean;
}

export async function readDiskHeadroom(sql: Sql, neededBytes: number): Promise<Hazard[]> {
  const measured = await measure(sql).catch((error: unknown) => `it could not be measured: ${errorMessage(error)}`);
  const [pretty] = await sql<{ needed: string; free: string | null }[]>`
    select pg_size_pretty(${Math.round(neededBytes)}::bigint) as needed,
           pg_size_pretty(${typeof measured === 'string' ? null : Math.round(measured.freeBytes)}::bigint) as free`;
  const hazard = diskHeadroomHazard(
    typeof measured === 'string'
      ? {
          neededBytes,
          needed: pretty?.needed ?? `${neededBytes} bytes`,
          freeBytes: null,
          free: null,
          directory: null,
          verified: null,
          unknownBecause: measured,
        }
      : {
          neededBytes,
          needed: pretty?.needed ?? `${neededBytes} bytes`,
          freeBytes: measured.freeBytes,
          free: pretty?.free ?? `${measured.freeBytes} bytes`,
          directory: measured.directory,
          verified: measured.verified,
          unknownBecause: null,
        },
  );
  return hazard === undefined ? [] : [hazard];
}

/** Free bytes where the server writes WAL, or a reason why they cannot be known from here. */
async function measure(sql: Sql): Promise<Measured | string> {
  const [row] = await sql<{ dir: string | null; started: number }[]>`
    select case when pg_has_role('pg_read_all_settings', 'member') or (select rolsuper from pg_roles where rolname = current_user)
                then current_setting('data_directory') end as dir,
           extract(epoch from pg_postmaster_start_time())::float8 as started`;
  const dir = row?.dir ?? null;
  if (dir === null) return 'this role may not read data_directory (it needs superuser or pg_read_all_settings)';
  const pid = await readFile(join(dir, 'postmaster.pid'), 'utf8').catch((error: unknown) => error);
  if (isMissing(pid)) return `the server's data directory ${dir} is not on this host`;
  // postmaster.pid: pid, data directory, start time (epoch seconds), port, …
  const verified = typeof pid === 'string';
  if (verified && Math.abs(Number(pid.split('\n')[2]) - Math.floor(row?.started ?? 0)) > 1) {
    return `${dir} on this host belongs to another server`;
  }
  for (const directory of [join(dir, 'pg_wal'), dir]) {
    const stats = await statfs(directory).catch(() => undefined);
    if (stats !== undefined) return { freeBytes: stats.bavail * stats.bsize, directory, verified };
  }
  return `${dir} cannot be read here`;
}

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 'ENOENT';
}

/** Undefined when the free space is at least diskSafetyFactor times the need. */
export function diskHeadroomHazard(d: DiskHeadroomDetails): Hazard | undefined {
  const writes = `the migration will write about ${d.needed} (WAL and new indexes)`;
  if (d.freeBytes === null || d.free === null) {
    return {
      kind: 'disk-headroom',
      severity: 'warning',
      message: `disk headroom unknown (${d.unknownBecause ?? 'not measured'}): ${writes}; make sure the server has ${diskSafetyFactor}× that free`,
      details: d,
    };
  }
  if (d.freeBytes >= d.neededBytes * diskSafetyFactor) return undefined;
  const assumed = d.verified === false ? ', on this host, assumed to be the server’s: its postmaster.pid could not be read' : '';
  const where = `${d.free} free where the server writes (${d.directory ?? 'its data directory'}${assumed})`;
  return d.freeBytes < d.neededBytes
    ? {
        kind: 'disk-headroom',
        severity: 'blocking',
        message: `only ${where}, and ${writes}: the server stops when its disk fills; free space first`,
        details: d,
      }
    : {
        kind: 'disk-headroom',
        severity: 'warning',
        message: `${where}, less than ${diskSafetyFactor}× what ${writes.replace('the migration will write', 'it will write')}; free space first, or watch it`,
        details: d,
      };
}
