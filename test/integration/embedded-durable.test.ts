// The embedded server keeps the tests' and the demo's fsync=off unless asked to be durable, as the
// benchmark asks: then it runs with PostgreSQL's shipped durability, read back from the server.
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { startEmbeddedServer } from '../../src/embedded/embedded-server.js';

async function durability(options: Parameters<typeof startEmbeddedServer>[0]): Promise<Record<string, string>> {
  const server = await startEmbeddedServer(options);
  const sql = postgres(server.url, { max: 1, onnotice: () => undefined });
  try {
    const [row] = await sql<{ fsync: string; synchronous_commit: string; full_page_writes: string }[]>`
      select current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit,
             current_setting('full_page_writes') as full_page_writes`;
    return { ...row };
  } finally {
    await sql.end({ timeout: 5 });
    await server.stop();
  }
}

describe('startEmbeddedServer durability', () => {
  it('runs with fsync off by default, for the tests and the demo', async () => {
    expect(await durability({})).toMatchObject({ fsync: 'off' });
  });

  it('runs as PostgreSQL ships with durable: true: fsync, synchronous_commit and full_page_writes on', async () => {
    expect(await durability({ durable: true })).toEqual({ fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' });
  });
});
