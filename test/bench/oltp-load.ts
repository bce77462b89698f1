// Starts and stops the simulated OLTP traffic (oltp-worker.ts, in a worker thread) and hands back every
// operation's start time and latency, so any window (baseline, fill) can be cut from one session.
import { Worker } from 'node:worker_threads';

export interface OltpSettings {
  readonly databaseUrl: string;
  readonly schema: string;
  readonly table: string;
  /** Keys are drawn uniformly from 1…rows. */
  readonly rows: number;
  readonly connections: number;
  readonly thinkMs: number;
  /** Share of operations that are single-row updates; the rest are point reads. */
  readonly writeShare: number;
  /** How the load's backends show in pg_stat_activity (the lock-wait sampler looks for it). */
  readonly applicationName: string;
}

/** Column-wise, so a few hundred thousand operations cross the thread boundary cheaply. */
export interface OltpSamples {
  /** Operation start, epoch ms. */
  readonly at: Float64Array;
  readonly latencyMs: Float64Array;
  /** 1 for an update, 0 for a read. */
  readonly isWrite: Uint8Array;
  readonly errorAt: Float64Array;
  /** The first errors' messages, with their start times. */
  readonly errorMessages: readonly { readonly at: number; readonly message: string }[];
}

export interface OltpLoad {
  /** Stops every connection after its current operation and returns all samples. */
  stop(): Promise<OltpSamples>;
}

export async function startOltpLoad(settings: OltpSettings): Promise<OltpLoad> {
  const worker = new Worker(new URL('./oltp-worker.js', import.meta.url), { workerData: settings });
  const failed = new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the OLTP worker exited early (code ${code})`)));
  });
  const nextMessage = <T>(): Promise<T> => Promise.race([new Promise<T>((resolve) => worker.once('message', resolve)), failed]);
  await nextMessage<string>();
  return {
    async stop() {
      const samples = nextMessage<OltpSamples>();
      worker.postMessage('stop');
      const result = await samples;
      await worker.terminate();
      return result;
    },
  };
}
