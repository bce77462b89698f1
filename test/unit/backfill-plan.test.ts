import { describe, expect, it } from 'vitest';
import { keysetQueries } from '../../phases/backfill-engine/keyset-sql.js';
import { PreflightError } from '../../src/errors/index.js';
import { backfill, backfillSpec, planBackfill } from '../../src/operations/backfill.js';

const idKey = [{ name: 'id', type: 'bigint' }];
const remap = "CASE status WHEN 'open' THEN 'OPEN' WHEN 'pending' THEN 'WAITING_ON_CUSTOMER' ELSE upper(status) END";
const oldStatuses = "status IN ('open', 'in_progress', 'pending', 'resolved', 'closed')";

describe('backfill planning (exact SQL)', () => {
  it('with where and verify: one task, where ANDed with the guarded distinct test, a verify step in contract, nothing to roll back', () => {
    const verify = 'select id, status from tickets where status <> upper(status)';
    const spec = backfillSpec.parse({
      op: 'backfill',
      table: 'tickets',
      set: { status: remap, remap_count: 'remap_count + 1' },
      where: oldStatuses,
      verify,
    });
    const plan = planBackfill(spec, {
      key: idKey,
      types: { status: 'text', remap_count: 'integer' },
      immutable: true,
      searchPath: ['public'],
    });
    expect(plan.expand).toEqual([]);
    expect(plan.backfill).toEqual([
      {
        id: 'public.tickets.set(status,remap_count)',
        table: { schema: 'public', name: 'tickets' },
        key: idKey,
        set: `"status" = (${remap}), "remap_count" = (remap_count + 1)`,
        needsWork: `(${oldStatuses}) and case when (${oldStatuses}) then "status" is distinct from (${remap})::text or "remap_count" is distinct from (remap_count + 1)::integer else false end`,
        searchPath: ['public'],
      },
    ]);
    expect(plan.contract).toEqual([
      {
        description: 'verify: the verify query returns no rows',
        statements: [
          `do $online$\nbegin\n  if exists (${verify}) then\n    raise exception 'the verify query returned rows' using errcode = 'OLV01';\n  end if;\nend\n$online$`,
        ],
        locks: 'ACCESS SHARE on the tables the query reads, while it runs: reads and writes continue',
        reversible: true,
        explain: {
          kind: 'unverified',
          sqlState: 'OLV01',
          what: 'rows the verify query returned',
          query: `select * from (${verify}) as online_verify limit 5`,
        },
      },
    ]);
    expect(plan.rollback).toEqual([]);
    expect(plan.warnings).toEqual([
      'backfill of public.tickets: no trigger keeps rows written during the run consistent; the application must already write the new values',
      'backfill of public.tickets: rollback does not restore the old values',
    ]);
    // The batch UPDATE the engine builds from the task.
    expect(
      keysetQueries(plan.backfill[0] ?? { table: { schema: 'public', name: 'tickets' }, key: idKey, set: '', needsWork: '' }).nextUpdate,
    ).toBe(
      `update "public"."tickets" set "status" = (${remap}), "remap_count" = (remap_count + 1) where "id" > $1::text::bigint and "id" <= $2::text::bigint and (${plan.backfill[0]?.needsWork ?? ''})`,
    );
  });

  it('without where: the distinct test alone, cast to each column type; no verify, empty contract', () => {
    const spec = backfillSpec.parse({ op: 'backfill', schema: 'Support', table: 'Tickets', set: { 'Code"x': 'left(title, 20)' } });
    const plan = planBackfill(spec, {
      key: [],
      types: { 'Code"x': 'character varying(20)' },
      immutable: true,
      searchPath: ['Support', 'public'],
    });
    expect(plan.backfill).toEqual([
      {
        id: 'Support.Tickets.set(Code"x)',
        table: { schema: 'Support', name: 'Tickets' },
        key: [],
        set: `"Code""x" = (left(title, 20))`,
        needsWork: `"Code""x" is distinct from (left(title, 20))::character varying(20)`,
        searchPath: ['Support', 'public'],
      },
    ]);
    expect(plan.contract).toEqual([]);
    expect(plan.rollback).toEqual([]);
    expect(plan.warnings?.[1]).toBe('backfill of "Support"."Tickets": rollback does not restore the old values');
  });

  it('a non-immutable expression: the where alone, never evaluated once more per row; without where it is refused', () => {
    const spec = backfillSpec.parse({ op: 'backfill', table: 'tickets', set: { ref: "nextval('ticket_ref')" }, where: 'ref is null' });
    const plan = planBackfill(spec, { key: idKey, types: { ref: 'bigint' }, immutable: false, searchPath: ['public'] });
    expect(plan.backfill[0]?.needsWork).toBe('(ref is null)');
    expect(plan.backfill[0]?.set).toBe(`"ref" = (nextval('ticket_ref'))`);

    const unbounded = backfillSpec.parse({ op: 'backfill', table: 'tickets', set: { touched_at: 'now()' } });
    const refused = (() => {
      try {
        return planBackfill(unbounded, {
          key: idKey,
          types: { touched_at: 'timestamp with time zone' },
          immutable: false,
          searchPath: ['public'],
        });
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(PreflightError);
    expect(refused).toMatchObject({ code: 'WHERE_REQUIRED', exitCode: 2 });
    expect((refused as PreflightError).message).toMatch(
      /backfill of public\.tickets needs a where that says which rows need work: a set expression is not immutable/,
    );
  });

  it('a verify query holding the dollar-quote tag gets another tag', () => {
    const verify = 'select id from tickets where title = $online$x$online$';
    const spec = backfillSpec.parse({ op: 'backfill', table: 'tickets', set: { title: 'trim(title)' }, verify });
    const [step] = planBackfill(spec, { key: idKey, types: { title: 'text' }, immutable: true, searchPath: ['public'] }).contract;
    expect(step?.statements[0]).toBe(
      `do $online1$\nbegin\n  if exists (${verify}) then\n    raise exception 'the verify query returned rows' using errcode = 'OLV01';\n  end if;\nend\n$online1$`,
    );
  });

  it('default migration name and tables', () => {
    const spec = backfillSpec.parse({ op: 'backfill', table: 'tickets', set: { status: 'upper(status)', remap_count: '1' } });
    expect(backfill.defaultName(spec)).toBe('backfill-tickets-status-remap_count');
    expect(backfill.tables(spec)).toEqual([{ schema: 'public', name: 'tickets' }]);
  });
});
