// What the figures were measured on: the host, its load, and the server settings read back from the
// server (the ones that change write speed most), so a report always says what it measured.
import { cpus, loadavg, totalmem } from 'node:os';
import type postgres from 'postgres';

/** Read back with current_setting(), never assumed from what the bench asked for. */
export interface ServerSettings {
  readonly fsync: string;
  readonly synchronousCommit: string;
  readonly fullPageWrites: string;
  readonly sharedBuffers: string;
  readonly maxWalSize: string;
}

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly server: 'embedded' | 'BENCH_DATABASE_URL';
  readonly postgres: string;
  readonly settings: ServerSettings;
  /** os.loadavg(): 1, 5 and 15 minutes. */
  readonly loadAverageAtStart: readonly number[];
}

export async function machineInfo(sql: postgres.Sql, server: MachineInfo['server']): Promise<MachineInfo> {
  const [row] = await sql.unsafe<Record<'version' | 'fsync' | 'sc' | 'fpw' | 'sb' | 'mws', string>[]>(
    `select current_setting('server_version') as version, current_setting('fsync') as fsync,
            current_setting('synchronous_commit') as sc, current_setting('full_page_writes') as fpw,
            current_setting('shared_buffers') as sb, current_setting('max_wal_size') as mws`,
  );
  if (row === undefined) throw new Error('the server returned no settings');
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    server,
    postgres: row.version,
    settings: { fsync: row.fsync, synchronousCommit: row.sc, fullPageWrites: row.fpw, sharedBuffers: row.sb, maxWalSize: row.mws },
    loadAverageAtStart: loadAverage(),
  };
}

/** 1, 5 and 15 minutes, two decimals. */
export function loadAverage(): readonly number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** Whether the server runs as PostgreSQL ships: every write durable at commit. */
export function isDurable(s: ServerSettings): boolean {
  return s.fsync === 'on' && s.fullPageWrites === 'on' && s.synchronousCommit !== 'off';
}
