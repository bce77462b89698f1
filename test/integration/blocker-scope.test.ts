// Who counts as online's blocker, and who as online's own session, on a server with more than the
// migration's database and with a connection URL that names an application of its own.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findHolders } from '../../src/db/blockers.js';
import { connect, onlineApplicationName } from '../../src/db/connect.js';
import { useTestDatabase } from '../support/test-database.js';

describe('the holders of a table are sessions of its own database', () => {
  // A database copied from ours as a template has our tables under the same OIDs.
  const suffix = randomBytes(4).toString('hex');
  const [source, copy] = [`holders_src_${suffix}`, `holders_copy_${suffix}`];
  const urlOf = (name: string): string => {
    const url = new URL(inject('pgAdminUrl'));
    url.pathname = `/${name}`;
    return url.toString();
  };
  const admin = (): postgres.Sql => postgres(inject('pgAdminUrl'), { max: 1, onnotice: () => undefined });

  beforeAll(async () => {
    const sql = admin();
    await sql.unsafe(`create database "${source}"`);
    const seed = postgres(urlOf(source), { max: 1, onnotice: () => undefined });
    await seed.unsafe('create table tickets (id int primary key)');
    await seed.end();
    await sql.unsafe(`create database "${copy}" template "${source}"`);
    await sql.end();
  });
  afterAll(async () => {
    const sql = admin();
    for (const name of [source, copy]) await sql.unsafe(`drop database if exists "${name}" with (force)`);
    await sql.end();
  });

  it("does not name a session of the copy holding the copy's table of the same OID", async () => {
    const other = postgres(urlOf(copy), { max: 1, onnotice: () => undefined });
    const conn = await other.reserve();
    const [row] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
    await conn`begin`;
    await conn`select count(*) from tickets`;
    const sql = await connect(urlOf(source), { max: 2 });
    try {
      const [oids] = await sql<{ same: boolean }[]>`
        select (select relation from pg_locks where pid = ${row?.pid ?? 0} and locktype = 'relation'
                  and relation = 'public.tickets'::regclass limit 1) is not null as same`;
      expect(oids?.same).toBe(true);
      expect(await findHolders(sql, 'public.tickets', 'access exclusive', 0)).toEqual([]);
      // A holder in our own database is still named.
      const own = postgres(urlOf(source), { max: 1, onnotice: () => undefined });
      const ownConn = await own.reserve();
      const [ownRow] = await ownConn<{ pid: number }[]>`select pg_backend_pid() as pid`;
      await ownConn`begin`;
      await ownConn`select count(*) from tickets`;
      const holders = await findHolders(sql, 'public.tickets', 'access exclusive', 0);
      expect(holders.map((h) => h.pid)).toEqual([ownRow?.pid]);
      ownConn.release();
      await own.end({ timeout: 0 });
    } finally {
      await sql.end();
      conn.release();
      await other.end({ timeout: 0 });
    }
  });
});

describe("online's sessions are named online whatever the URL asks", () => {
  const db = useTestDatabase('own_sessions');

  it('keeps application_name online when the URL has ?application_name=', async () => {
    const url = new URL(db.url);
    url.searchParams.set('application_name', 'billing');
    const sql = await connect(url.toString(), { max: 1 });
    try {
      const [row] = await sql<{ name: string }[]>`select current_setting('application_name') as name`;
      expect(row?.name).toBe(onlineApplicationName);
    } finally {
      await sql.end();
    }
  });
});
