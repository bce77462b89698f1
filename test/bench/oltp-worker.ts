// The OLTP load, in its own thread so the migration's JavaScript never delays (or inflates) its timings:
// each connection loops over a point read or a single-row update on a random key, then a short think.
import { parentPort, workerData } from 'node:worker_threads';
import postgres from 'postgres';
import { epochMs, sleep } from './bench-clock.js';
import type { OltpSamples, OltpSettings } from './oltp-load.js';

/** Messages kept in full; later errors are only timed. */
const keptMessages = 20;

async function runLoad(settings: OltpSettings, port: NonNullable<typeof parentPort>): Promise<void> {
  const sql = postgres(settings.databaseUrl, {
    max: settings.connections,
    onnotice: () => undefined,
    connection: { application_name: settings.applicationName },
  });
  const table = sql(`${settings.schema}.${settings.table}`);
  const at: number[] = [];
  const latencyMs: number[] = [];
  const isWrite: number[] = [];
  const errorAt: number[] = [];
  const errorMessages: { at: number; message: string }[] = [];
  let running = true;
  port.once('message', () => {
    running = false;
  });

  const loop = async (): Promise<void> => {
    while (running) {
      const id = 1 + Math.floor(Math.random() * settings.rows);
      const write = Math.random() < settings.writeShare;
      const started = epochMs();
      try {
        if (write) await sql`update ${table} set updated_at = now() where id = ${id}`;
        else await sql`select id, title, status, updated_at from ${table} where id = ${id}`;
      } catch (error) {
        errorAt.push(started);
        if (errorMessages.length < keptMessages)
          errorMessages.push({ at: started, message: error instanceof Error ? error.message : String(error) });
      }
      at.push(started);
      latencyMs.push(epochMs() - started);
      isWrite.push(write ? 1 : 0);
      if (settings.thinkMs > 0) await sleep(settings.thinkMs);
    }
  };
  port.postMessage('started');
  await Promise.all(Array.from({ length: settings.connections }, loop));
  await sql.end({ timeout: 5 });
  const samples: OltpSamples = {
    at: Float64Array.from(at),
    latencyMs: Float64Array.from(latencyMs),
    isWrite: Uint8Array.from(isWrite),
    errorAt: Float64Array.from(errorAt),
    errorMessages,
  };
  port.postMessage(samples);
}

if (parentPort !== null) await runLoad(workerData as OltpSettings, parentPort);
