import { describe, expect, it } from 'vitest';
import { keysetQueries } from '../../phases/backfill-engine/keyset-sql.js';
import { addColumnSpec, planAddColumn } from '../../src/operations/add-column.js';

const idKey = [{ name: 'id', type: 'bigint' }];

describe('add-column planning (exact SQL)', () => {
  it('adds a non-volatile default as metadata only, with nothing to backfill', () => {
    const spec = addColumnSpec.parse({ op: 'add-column', table: 'tickets', column: 'source', type: 'text', default: "'web'" });
    const plan = planAddColumn(spec, { key: undefined, defaultIsVolatile: false, searchPath: ['public'] });
    expect(plan.expand.flatMap((s) => s.statements)).toEqual([
      `alter table "public"."tickets" add column if not exists "source" text default ('web')`,
    ]);
    expect(plan.backfill).toEqual([]);
    expect(plan.contract).toEqual([]);
    expect(plan.rollback.flatMap((s) => s.statements)).toEqual([
      `alter table "public"."tickets" drop constraint if exists "online_nn_tickets_source_5baa462a7d", drop column if exists "source"`,
    ]);
  });

  it('splits a volatile default: add without it, SET DEFAULT, then backfill rows still NULL', () => {
    const spec = addColumnSpec.parse({
      op: 'add-column',
      table: 'tickets',
      column: 'token',
      type: 'uuid',
      default: 'gen_random_uuid()',
      nullable: false,
    });
    const plan = planAddColumn(spec, { key: idKey, defaultIsVolatile: true, searchPath: ['public'] });
    expect(plan.expand.flatMap((s) => s.statements)).toEqual([
      `alter table "public"."tickets" add column if not exists "token" uuid`,
      `alter table "public"."tickets" alter column "token" set default (gen_random_uuid())`,
      `alter table "public"."tickets" drop constraint if exists "online_nn_tickets_token_81493bc235", add constraint "online_nn_tickets_token_81493bc235" check ("token" is not null) not valid`,
    ]);
    expect(plan.backfill).toEqual([
      {
        id: 'public.tickets.token',
        table: { schema: 'public', name: 'tickets' },
        key: idKey,
        set: `"token" = (gen_random_uuid())`,
        // The volatile default is evaluated in the SET only, not again in the filter.
        needsWork: '"token" is null',
        searchPath: ['public'],
        // No fill trigger: an update leaves a row NULL wherever it moves it, so the batches page by the key.
        writesFilled: false,
      },
    ]);
    expect(plan.contract.flatMap((s) => s.statements)).toEqual([
      `alter table "public"."tickets" validate constraint "online_nn_tickets_token_81493bc235"`,
      `alter table "public"."tickets" alter column "token" set not null`,
      `alter table "public"."tickets" drop constraint if exists "online_nn_tickets_token_81493bc235"`,
    ]);
  });

  it('fills a derived NOT NULL column through triggers, attaching the default only in contract', () => {
    const spec = addColumnSpec.parse({
      op: 'add-column',
      schema: 'support',
      table: 'tickets',
      column: 'priority',
      type: 'text',
      default: "'normal'",
      backfill: "CASE WHEN escalated THEN 'high' ELSE 'normal' END",
      nullable: false,
    });
    const plan = planAddColumn(spec, { key: idKey, defaultIsVolatile: false, searchPath: ['public'] });
    const fill = "CASE WHEN escalated THEN 'high' ELSE 'normal' END";
    expect(plan.expand.flatMap((s) => s.statements)).toEqual([
      `alter table "support"."tickets" add column if not exists "priority" text`,
      `create or replace function "support"."online_fill_tickets_priority_2c8c856982"() returns trigger language plpgsql set search_path = "public", pg_temp as $online$\n#variable_conflict use_column\nbegin\n  NEW."priority" := (select (${fill}) from (select NEW.*) as online_row);\n  return NEW;\nend\n$online$`,
      `drop trigger if exists "online_fill_insert_tickets_priority_2c8c856982" on "support"."tickets"`,
      `create trigger "online_fill_insert_tickets_priority_2c8c856982" before insert on "support"."tickets" for each row when (NEW."priority" is null) execute function "support"."online_fill_tickets_priority_2c8c856982"()`,
      `drop trigger if exists "online_fill_update_tickets_priority_2c8c856982" on "support"."tickets"`,
      `create trigger "online_fill_update_tickets_priority_2c8c856982" before update on "support"."tickets" for each row when (NEW."priority" is not distinct from OLD."priority") execute function "support"."online_fill_tickets_priority_2c8c856982"()`,
      `alter table "support"."tickets" drop constraint if exists "online_nn_tickets_priority_2c8c856982", add constraint "online_nn_tickets_priority_2c8c856982" check ("priority" is not null) not valid`,
    ]);
    expect(plan.backfill[0]?.set).toBe(`"priority" = (${fill})`);
    expect(plan.backfill[0]?.needsWork).toBe(`"priority" is null and (${fill}) is not null`);
    // The fill triggers give every written row its value: the batches may page by ctid.
    expect(plan.backfill[0]?.writesFilled).toBe(true);
    expect(plan.contract.map((s) => s.description)).toEqual([
      'validate check (priority is not null)',
      'set priority not null (no scan: the validated check proves it) and drop the check',
      'set the default of priority and drop the fill triggers',
    ]);
    expect(plan.contract.flatMap((s) => s.statements)).toEqual([
      `alter table "support"."tickets" validate constraint "online_nn_tickets_priority_2c8c856982"`,
      `alter table "support"."tickets" alter column "priority" set not null`,
      `alter table "support"."tickets" drop constraint if exists "online_nn_tickets_priority_2c8c856982"`,
      `alter table "support"."tickets" alter column "priority" set default ('normal')`,
      `drop trigger if exists "online_fill_insert_tickets_priority_2c8c856982" on "support"."tickets"`,
      `drop trigger if exists "online_fill_update_tickets_priority_2c8c856982" on "support"."tickets"`,
      `drop function if exists "support"."online_fill_tickets_priority_2c8c856982"()`,
    ]);
    expect(plan.rollback.flatMap((s) => s.statements)).toEqual([
      `drop trigger if exists "online_fill_insert_tickets_priority_2c8c856982" on "support"."tickets"`,
      `drop trigger if exists "online_fill_update_tickets_priority_2c8c856982" on "support"."tickets"`,
      `drop function if exists "support"."online_fill_tickets_priority_2c8c856982"()`,
      `alter table "support"."tickets" drop constraint if exists "online_nn_tickets_priority_2c8c856982", drop column if exists "priority"`,
    ]);
  });

  it('picks a dollar-quote tag that the expression does not contain', () => {
    const spec = addColumnSpec.parse({ op: 'add-column', table: 't', column: 'c', type: 'text', backfill: "$online$x$online$ || ''" });
    const plan = planAddColumn(spec, { key: idKey, defaultIsVolatile: false, searchPath: ['public'] });
    expect(plan.expand[1]?.statements[0]).toMatch(/as \$online1\$\n[\s\S]*\$online1\$$/);
  });

  it('pages a composite key as a row comparison with typed parameters', () => {
    const q = keysetQueries({
      table: { schema: 'public', name: 'events' },
      key: [
        { name: 'tenant_id', type: 'integer' },
        { name: 'event id', type: 'uuid' },
      ],
      set: '"c" = (1)',
      needsWork: '"c" is null',
    });
    expect(q.upperBound).toBe(
      `select "tenant_id"::text as k0, "event id"::text as k1 from "public"."events" order by "tenant_id" desc, "event id" desc limit 1`,
    );
    expect(q.nextBoundary).toBe(
      `select "tenant_id"::text as k0, "event id"::text as k1 from "public"."events" where ("tenant_id", "event id") > ($1::text::integer, $2::text::uuid) and ("tenant_id", "event id") <= ($3::text::integer, $4::text::uuid) order by "tenant_id", "event id" offset $5::bigint limit 1`,
    );
    expect(q.nextUpdate).toBe(
      `update "public"."events" set "c" = (1) where ("tenant_id", "event id") > ($1::text::integer, $2::text::uuid) and ("tenant_id", "event id") <= ($3::text::integer, $4::text::uuid) and ("c" is null)`,
    );
    expect(q.firstUpdate).toBe(
      `update "public"."events" set "c" = (1) where ("tenant_id", "event id") <= ($1::text::integer, $2::text::uuid) and ("c" is null)`,
    );
  });
});
