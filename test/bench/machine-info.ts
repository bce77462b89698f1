// What the figures were measured on: the host, and the server settings that change write speed most.
import { cpus, totalmem } from 'node:os';
import type postgres from 'postgres';

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly server: 'embedded' | 'BENCH_DATABASE_URL';
  readonly postgres: string;
  readonly fsync: string;
  readonly sharedBuffers: string;
}

export async function machineInfo(sql: postgres.Sql, server: MachineInfo['server']): Promise<MachineInfo> {
  const [settings] = await sql.unsafe<{ version: string; fsync: string; shared_buffers: string }[]>(
    `select current_setting('server_version') as version, current_setting('fsync') as fsync, current_setting('shared_buffers') as shared_buffers`,
  );
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    server,
    postgres: settings?.version ?? 'unknown',
    fsync: settings?.fsync ?? 'unknown',
    sharedBuffers: settings?.shared_buffers ?? 'unknown',
  };
}
