// The other tables a drop locks up front (src/ddl/drop-locks.ts) are exactly the other tables
// PostgreSQL itself takes ACCESS EXCLUSIVE on when it runs the drop: asked of the catalog, then checked
// against pg_locks with the real DROP in a transaction that is rolled back.
import { beforeAll, describe, expect, it } from 'vitest';
import { describeTable } from '../../src/catalog/describe-table.js';
import { tablesLockedByColumnDrop, tablesLockedByTableDrop } from '../../src/ddl/drop-locks.js';
import type { QualifiedName } from '../../src/sql-text/quote.js';
import { useTestDatabase } from '../support/test-database.js';

describe('the tables a drop locks besides its own', () => {
  const db = useTestDatabase('drop_locks');
  beforeAll(async () => {
    await db.sql.unsafe(`
      create table parent (id int primary key, code text unique);
      create table child (id int primary key, parent_id int references parent (id), parent_code text references parent (code), note text);
      create table grandchild (id int primary key, child_id int references child (id));
      create table loner (id int primary key);
      create table events (id int, parent_id int references parent (id)) partition by range (id);
      create table events_1 partition of events for values from (0) to (100);
      create table selfish (id int primary key, up int references selfish (id));
      create view child_notes as select id, note from child;
    `);
  });

  async function table(name: string) {
    const found = await describeTable(db.sql, { schema: 'public', name });
    if (found === undefined) throw new Error(`no table ${name}`);
    return found;
  }

  /** The other tables (not views, not the dropped ones) the statement takes ACCESS EXCLUSIVE on, by PostgreSQL's own account. */
  async function lockedByPostgres(statement: string, dropped: readonly string[]): Promise<QualifiedName[]> {
    const reserved = await db.sql.reserve();
    try {
      await reserved`begin`;
      const before = await reserved<{ oid: number; schema: string; name: string }[]>`
        select c.oid::int as oid, n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and n.nspname = 'public'`;
      await reserved.unsafe(statement);
      const locked = await reserved<{ oid: number }[]>`
        select relation::int as oid from pg_locks where pid = pg_backend_pid() and locktype = 'relation' and mode = 'AccessExclusiveLock'`;
      const oids = new Set(locked.map((l) => l.oid));
      return before
        .filter((t) => oids.has(t.oid) && !dropped.includes(t.name))
        .map(({ schema, name }) => ({ schema, name }))
        .sort((a, b) => a.name.localeCompare(b.name));
    } finally {
      await reserved`rollback`;
      reserved.release();
    }
  }

  it.each([
    ['drop table child cascade', 'child', ['grandchild', 'parent']],
    ['drop table grandchild', 'grandchild', ['child']],
    ['drop table loner', 'loner', []],
    // A partition's copy of its parent's foreign key has no triggers on the referenced table.
    ['drop table events_1', 'events_1', ['events']],
    ['drop table events', 'events', ['parent']],
    ['drop table selfish', 'selfish', []],
  ])('%s', async (statement, name, expected) => {
    const planned = await tablesLockedByTableDrop(db.sql, await table(name));
    expect(planned.map((t) => t.name)).toEqual(expected);
    // Its partitions go with it.
    expect(await lockedByPostgres(statement, name === 'events' ? ['events', 'events_1'] : [name])).toEqual(planned);
  });

  it.each([
    ['alter table child drop column parent_id cascade', 'child', 'parent_id', ['parent']],
    ['alter table child drop column note cascade', 'child', 'note', []],
    ['alter table parent drop column id cascade', 'parent', 'id', ['child', 'events', 'events_1']],
    ['alter table parent drop column code cascade', 'parent', 'code', ['child']],
  ])('%s', async (statement, name, column, expected) => {
    const planned = await tablesLockedByColumnDrop(db.sql, await table(name), column);
    expect(planned.map((t) => t.name)).toEqual(expected);
    expect(await lockedByPostgres(statement, [name])).toEqual(planned);
  });
});
