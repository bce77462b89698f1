import { describe, expect, it } from 'vitest';
import { addUnique, addUniqueSpec, planAddUnique, uniqueName } from '../../src/operations/add-unique.js';
import { PreflightError } from '../../src/errors/index.js';
import type { Sql } from '../../src/db/connect.js';
import { expectOnlineError } from '../support/expect-online-error.js';

const fresh = (definition: string) => ({ definition, existingIndex: false });

describe('add-unique planning (exact SQL)', () => {
  it('builds the index concurrently in expand and attaches it in contract (one column)', () => {
    const spec = addUniqueSpec.parse({ op: 'add-unique', table: 'users', columns: ['email'] });
    const plan = planAddUnique(spec, fresh('UNIQUE USING btree (email)'));
    expect(addUnique.defaultName(spec)).toBe('add-unique-users-email');
    expect(addUnique.tables(spec)).toEqual([{ schema: 'public', name: 'users' }]);
    expect(plan.expand).toEqual([
      {
        kind: 'concurrent',
        description: 'build unique index users_email_key concurrently',
        statements: [`create unique index concurrently "users_email_key" on "public"."users" using btree ("email")`],
        buildsIndex: {
          schema: 'public',
          name: 'users_email_key',
          table: { schema: 'public', name: 'users' },
          definition: 'UNIQUE USING btree (email)',
        },
        explain: {
          kind: 'duplicates',
          sqlState: '23505',
          what: 'duplicate (email) values (with their counts)',
          query:
            `select "email"::text as "email", count(*) as "count" from "public"."users" where "email" is not null ` +
            `group by "email" having count(*) > 1 order by count(*) desc, "email" limit 5`,
        },
        locks: expect.stringContaining('SHARE UPDATE EXCLUSIVE') as unknown,
      },
    ]);
    expect(plan.backfill).toEqual([]);
    expect(plan.contract.map((s) => [s.kind, s.statements])).toEqual([
      [undefined, [`alter table "public"."users" add constraint "users_email_key" unique using index "users_email_key"`]],
    ]);
    expect(plan.contract[0]?.locks).toContain('ACCESS EXCLUSIVE');
    expect(plan.rollback.map((s) => [s.kind, s.statements])).toEqual([
      ['concurrent', [`drop index concurrently if exists "public"."users_email_key"`]],
    ]);
  });

  it('plans a composite key in column order, ignoring rows with a NULL in any key column', () => {
    const spec = addUniqueSpec.parse({ op: 'add-unique', schema: 'support', table: 'tickets', columns: ['tenant_id', 'ref'] });
    const plan = planAddUnique(spec, fresh('UNIQUE USING btree (tenant_id, ref)'));
    expect(addUnique.defaultName(spec)).toBe('add-unique-tickets-tenant_id-ref');
    expect(plan.expand.flatMap((s) => s.statements)).toEqual([
      `create unique index concurrently "tickets_tenant_id_ref_key" on "support"."tickets" using btree ("tenant_id", "ref")`,
    ]);
    expect(plan.expand[0]?.explain?.query).toBe(
      `select "tenant_id"::text as "tenant_id", "ref"::text as "ref", count(*) as "count" from "support"."tickets" ` +
        `where "tenant_id" is not null and "ref" is not null group by "tenant_id", "ref" ` +
        `having count(*) > 1 order by count(*) desc, "tenant_id", "ref" limit 5`,
    );
    expect(plan.expand[0]?.explain?.what).toBe('duplicate (tenant_id, ref) values (with their counts)');
    expect(plan.contract.flatMap((s) => s.statements)).toEqual([
      `alter table "support"."tickets" add constraint "tickets_tenant_id_ref_key" unique using index "tickets_tenant_id_ref_key"`,
    ]);
    expect(plan.rollback.flatMap((s) => s.statements)).toEqual([`drop index concurrently if exists "support"."tickets_tenant_id_ref_key"`]);
  });

  it('quotes odd names everywhere, and uses an explicit name for both the index and the constraint', () => {
    const spec = addUniqueSpec.parse({
      op: 'add-unique',
      schema: 'My Schema',
      table: 'Odd "T"',
      columns: ['Mixed Case', 'count'],
      name: 'u"q',
    });
    const plan = planAddUnique(spec, fresh('UNIQUE USING btree ("Mixed Case", count)'));
    expect(plan.expand.flatMap((s) => s.statements)).toEqual([
      `create unique index concurrently "u""q" on "My Schema"."Odd ""T""" using btree ("Mixed Case", "count")`,
    ]);
    expect(plan.expand[0]?.buildsIndex).toEqual({
      schema: 'My Schema',
      name: 'u"q',
      table: { schema: 'My Schema', name: 'Odd "T"' },
      definition: 'UNIQUE USING btree ("Mixed Case", count)',
    });
    // A key column called `count` must not collide with the count of the sample rows.
    expect(plan.expand[0]?.explain?.query).toBe(
      `select "Mixed Case"::text as "Mixed Case", "count"::text as "count", count(*) as "duplicates" from "My Schema"."Odd ""T""" ` +
        `where "Mixed Case" is not null and "count" is not null group by "Mixed Case", "count" ` +
        `having count(*) > 1 order by count(*) desc, "Mixed Case", "count" limit 5`,
    );
    expect(plan.contract.flatMap((s) => s.statements)).toEqual([
      `alter table "My Schema"."Odd ""T""" add constraint "u""q" unique using index "u""q"`,
    ]);
    expect(plan.rollback.flatMap((s) => s.statements)).toEqual([`drop index concurrently if exists "My Schema"."u""q"`]);
  });

  it('derives a default name from odd and long names within 63 bytes', () => {
    expect(uniqueName(addUniqueSpec.parse({ op: 'add-unique', table: 'Odd "T"', columns: ['Mixed Case'] }))).toBe('Odd "T"_Mixed Case_key');
    const long = uniqueName(addUniqueSpec.parse({ op: 'add-unique', table: 't'.repeat(40), columns: ['c'.repeat(40), 'd'.repeat(40)] }));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long.startsWith('t'.repeat(40))).toBe(true);
    const other = uniqueName(addUniqueSpec.parse({ op: 'add-unique', table: 't'.repeat(40), columns: ['c'.repeat(40), 'e'.repeat(40)] }));
    expect(other).not.toBe(long);
  });

  it('keeps an index that existed before the migration on rollback', () => {
    const spec = addUniqueSpec.parse({ op: 'add-unique', table: 'users', columns: ['email'] });
    const plan = planAddUnique(spec, { definition: 'UNIQUE USING btree (email)', existingIndex: true });
    expect(plan.expand).toHaveLength(1);
    expect(plan.contract).toHaveLength(1);
    expect(plan.rollback).toEqual([]);
  });

  it('refuses PostgreSQL 14.0–14.3 before touching the database', async () => {
    const spec = addUniqueSpec.parse({ op: 'add-unique', table: 'users', columns: ['email'] });
    const untouchable = new Proxy(
      {},
      {
        get: () => {
          throw new Error('pre-flight queried the database');
        },
      },
    ) as unknown as Sql;
    await expectOnlineError(addUnique.prepare({ sql: untouchable, serverVersionNum: 140003 }, spec), PreflightError, {
      exitCode: 2,
      message: '14.3 can corrupt indexes built CONCURRENTLY',
    });
  });

  it('rejects a spec without columns', () => {
    expect(addUniqueSpec.safeParse({ op: 'add-unique', table: 'users', columns: [] }).success).toBe(false);
  });
});
