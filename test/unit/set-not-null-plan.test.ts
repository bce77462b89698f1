import { describe, expect, it } from 'vitest';
import { keysetQueries } from '../../phases/backfill-engine/keyset-sql.js';
import { planSetNotNull, setNotNull, setNotNullSpec } from '../../src/operations/set-not-null.js';

const idKey = [{ name: 'id', type: 'bigint' }];

describe('set-not-null planning (exact SQL)', () => {
  it('without backfill: nothing in expand; in contract the NOT VALID check, validate, then SET NOT NULL', () => {
    const spec = setNotNullSpec.parse({ op: 'set-not-null', table: 'tickets', column: 'title' });
    const plan = planSetNotNull(spec, { key: idKey, searchPath: ['public'] });
    // A NOT VALID check in force since expand would refuse every update of a row that is still NULL.
    expect(plan.expand).toEqual([]);
    expect(plan.backfill).toEqual([]);
    expect(plan.contract.map((s) => s.statements)).toEqual([
      [
        `alter table "public"."tickets" drop constraint if exists "online_snn_tickets_title_f4bd4245ba", add constraint "online_snn_tickets_title_f4bd4245ba" check ("title" is not null) not valid`,
      ],
      [`alter table "public"."tickets" validate constraint "online_snn_tickets_title_f4bd4245ba"`],
      [
        `alter table "public"."tickets" alter column "title" set not null`,
        `alter table "public"."tickets" drop constraint if exists "online_snn_tickets_title_f4bd4245ba"`,
      ],
    ]);
    expect(plan.contract[1]?.explain).toEqual({
      kind: 'violations',
      sqlState: '23514',
      what: 'rows where title is NULL (keys shown)',
      query: `select "id"::text as "id" from "public"."tickets" where "title" is null limit 5`,
    });
    // A failed VALIDATE takes the check added just before back out, so it refuses no update until rollback.
    expect(plan.contract[1]?.undoPhaseOnViolation).toEqual([
      `alter table "public"."tickets" drop constraint if exists "online_snn_tickets_title_f4bd4245ba"`,
    ]);
    expect(plan.rollback.map((s) => s.statements)).toEqual([
      [
        `alter table "public"."tickets" drop constraint if exists "online_snn_tickets_title_f4bd4245ba", alter column "title" drop not null`,
      ],
    ]);
    expect([...plan.expand, ...plan.contract, ...plan.rollback].every((s) => s.kind === undefined && s.locks !== undefined)).toBe(true);
  });

  it('with backfill: a fill trigger before the check, a batched fill of NULLs, and the trigger dropped with SET NOT NULL', () => {
    const fill = "CASE WHEN escalated THEN 'phone' ELSE 'email' END";
    const spec = setNotNullSpec.parse({ op: 'set-not-null', schema: 'support', table: 'tickets', column: 'channel', backfill: fill });
    const plan = planSetNotNull(spec, { key: idKey, searchPath: ['public'] });
    expect(plan.expand.map((s) => s.statements)).toEqual([
      [
        `create or replace function "support"."online_snn_fill_tickets_channel_77db2282f5"() returns trigger language plpgsql set search_path = "public", pg_temp as $online$\n#variable_conflict use_column\nbegin\n  NEW."channel" := (select (${fill}) from (select NEW.*) as online_row);\n  return NEW;\nend\n$online$`,
        `drop trigger if exists "online_snn_fill_tickets_channel_77db2282f5" on "support"."tickets"`,
        `create trigger "online_snn_fill_tickets_channel_77db2282f5" before insert or update on "support"."tickets" for each row when (NEW."channel" is null) execute function "support"."online_snn_fill_tickets_channel_77db2282f5"()`,
      ],
      [
        `alter table "support"."tickets" drop constraint if exists "online_snn_tickets_channel_77db2282f5", add constraint "online_snn_tickets_channel_77db2282f5" check ("channel" is not null) not valid`,
      ],
    ]);
    expect(plan.backfill).toEqual([
      {
        id: 'support.tickets.channel',
        table: { schema: 'support', name: 'tickets' },
        key: idKey,
        set: `"channel" = (${fill})`,
        needsWork: `"channel" is null and (${fill}) is not null`,
        searchPath: ['public'],
        writesFilled: true,
      },
    ]);
    // With the fill trigger, the check guards from expand on and stays through a failed VALIDATE.
    expect(plan.contract[0]?.undoPhaseOnViolation).toBeUndefined();
    expect(plan.contract.map((s) => s.description)).toEqual([
      'validate check (channel is not null)',
      'set channel not null (no scan: the validated check proves it) and drop the check and the fill trigger',
    ]);
    expect(plan.contract.map((s) => s.statements)).toEqual([
      [`alter table "support"."tickets" validate constraint "online_snn_tickets_channel_77db2282f5"`],
      [
        `alter table "support"."tickets" alter column "channel" set not null`,
        `alter table "support"."tickets" drop constraint if exists "online_snn_tickets_channel_77db2282f5"`,
        `drop trigger if exists "online_snn_fill_tickets_channel_77db2282f5" on "support"."tickets"`,
        `drop function if exists "support"."online_snn_fill_tickets_channel_77db2282f5"()`,
      ],
    ]);
    expect(plan.rollback.map((s) => s.statements)).toEqual([
      [
        `drop trigger if exists "online_snn_fill_tickets_channel_77db2282f5" on "support"."tickets"`,
        `drop function if exists "support"."online_snn_fill_tickets_channel_77db2282f5"()`,
        `alter table "support"."tickets" drop constraint if exists "online_snn_tickets_channel_77db2282f5", alter column "channel" drop not null`,
      ],
    ]);
  });

  it('shows ctid in violation samples and pages by ctid for a table without a key', () => {
    const spec = setNotNullSpec.parse({ op: 'set-not-null', table: 'audit_log', column: 'message', backfill: "''" });
    const plan = planSetNotNull(spec, { key: [], searchPath: ['public'] });
    expect(plan.contract[0]?.explain?.query).toBe(`select ctid::text as ctid from "public"."audit_log" where "message" is null limit 5`);
    expect(plan.backfill[0]?.key).toEqual([]);
  });

  it('shows every column of a composite key in violation samples', () => {
    const spec = setNotNullSpec.parse({ op: 'set-not-null', table: 'lines', column: 'sku' });
    const plan = planSetNotNull(spec, {
      key: [
        { name: 'order_id', type: 'bigint' },
        { name: 'Line', type: 'integer' },
      ],
      searchPath: ['public'],
    });
    expect(plan.contract[1]?.explain?.query).toBe(
      `select "order_id"::text as "order_id", "Line"::text as "Line" from "public"."lines" where "sku" is null limit 5`,
    );
  });

  it('quotes identifiers and an expression containing the dollar tag', () => {
    const spec = setNotNullSpec.parse({
      op: 'set-not-null',
      schema: 'My Schema',
      table: 'Tick"ets',
      column: 'Chan nel',
      backfill: "'$online$'",
    });
    const plan = planSetNotNull(spec, { key: idKey, searchPath: ['public'] });
    const [fn] = plan.expand[0]?.statements ?? [];
    expect(fn).toMatch(
      /^create or replace function "My Schema"\."online_snn_fill_Tick""ets_Chan nel_c26406318c"\(\) returns trigger language plpgsql set search_path = "public", pg_temp as \$online1\$/,
    );
    expect(fn).toMatch(/\$online1\$$/);
    expect(plan.expand[1]?.statements).toEqual([
      `alter table "My Schema"."Tick""ets" drop constraint if exists "online_snn_Tick""ets_Chan nel_c26406318c", add constraint "online_snn_Tick""ets_Chan nel_c26406318c" check ("Chan nel" is not null) not valid`,
    ]);
  });

  it('checks for remaining work with the same predicate the batches use', () => {
    const spec = setNotNullSpec.parse({ op: 'set-not-null', table: 'tickets', column: 'channel', backfill: "'email'" });
    const [task] = planSetNotNull(spec, { key: idKey, searchPath: ['public'] }).backfill;
    if (task === undefined) throw new Error('expected a backfill task');
    expect(keysetQueries(task).sampleRemaining).toBe(
      `select "id"::text as k0 from "public"."tickets" where "channel" is null and ('email') is not null limit 5`,
    );
  });

  it('names the migration after the table and column', () => {
    expect(setNotNull.defaultName(setNotNullSpec.parse({ op: 'set-not-null', table: 'tickets', column: 'status' }))).toBe(
      'set-not-null-tickets-status',
    );
  });
});
