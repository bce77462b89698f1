// A TCP proxy in front of the test server that can stop passing the server's answers on a connection
// once its client has sent a given text: a test then acts while the driver waits for that answer (e.g.
// the array-types query postgres.js sends first on every new connection), at a moment no timer could hit.
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface StallingProxy {
  /** The database URL, through the proxy. */
  readonly url: string;
  /** The next connection whose client sends `text` gets no answer to it, nor any later one; resolves once one has. */
  stallAt(text: string): Promise<void>;
  close(): Promise<void>;
}

export async function startStallingProxy(databaseUrl: string): Promise<StallingProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  let armed: { readonly text: string; readonly stalled: () => void } | undefined;
  const server = createServer((client) => {
    const upstream = connect(Number(target.port === '' ? 5432 : target.port), target.hostname);
    let stalled = false;
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', end);
      socket.on('close', end);
    }
    client.on('data', (chunk: Buffer) => {
      if (armed !== undefined && chunk.toString('latin1').includes(armed.text)) {
        stalled = true;
        armed.stalled();
        armed = undefined;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!stalled) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    stallAt: (text) => new Promise<void>((stalled) => (armed = { text, stalled })),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
