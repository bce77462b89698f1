import { describe, expect, it } from 'vitest';
import { addCheck, addCheckSpec, checkName, planAddCheck } from '../../src/operations/add-check.js';
import {
  addForeignKey,
  addForeignKeySpec,
  findReferencedKey,
  foreignKeyName,
  planAddForeignKey,
  servesLookups,
} from '../../src/operations/add-foreign-key.js';
import type { IndexKey } from '../../src/preflight/constraint-probe.js';

const statements = (steps: readonly { statements: readonly string[] }[]) => steps.flatMap((s) => s.statements);

describe('add-check planning (exact SQL)', () => {
  const spec = addCheckSpec.parse({ op: 'add-check', table: 'tickets', check: "status in ('open', 'closed')" });

  it('names the constraint after the table and a stable hash of the expression', () => {
    expect(checkName(spec)).toMatch(/^tickets_[0-9a-f]{8}_check$/);
    expect(checkName(addCheckSpec.parse({ op: 'add-check', table: 'tickets', check: "status in ('open', 'closed')" }))).toBe(
      checkName(spec),
    );
    expect(checkName(addCheckSpec.parse({ op: 'add-check', table: 'tickets', check: "status <> 'spam'" }))).not.toBe(checkName(spec));
    expect(checkName({ ...spec, name: 'status_known' })).toBe('status_known');
    expect(addCheck.defaultName(spec)).toBe(`add-check-tickets-${checkName(spec)}`);
  });

  it('adds NOT VALID in expand, validates in contract with a violations probe by key, drops on rollback', () => {
    const named = { ...spec, name: 'status_known' };
    const plan = planAddCheck(named, { key: ['id'] });
    expect(statements(plan.expand)).toEqual([
      `alter table "public"."tickets" add constraint "status_known" check (status in ('open', 'closed')) not valid`,
    ]);
    expect(plan.backfill).toEqual([]);
    expect(statements(plan.contract)).toEqual([`alter table "public"."tickets" validate constraint "status_known"`]);
    expect(plan.contract[0]?.explain).toEqual({
      kind: 'violations',
      sqlState: '23514',
      what: "rows that fail check status_known (status in ('open', 'closed')), shown by their (id)",
      query: `select "id"::text as "id" from "public"."tickets" where not (status in ('open', 'closed')) limit 5`,
    });
    expect(statements(plan.rollback)).toEqual([`alter table "public"."tickets" drop constraint if exists "status_known"`]);
    expect(plan.expand.every((s) => s.kind === undefined)).toBe(true);
    expect(plan.contract[0]?.locks).toMatch(/SHARE UPDATE EXCLUSIVE/);
  });

  it('shows ctid for a table without a key, and quotes odd names', () => {
    const odd = addCheckSpec.parse({
      op: 'add-check',
      schema: 'Support Desk',
      table: 'Ticket "Log"',
      check: '"Amount" >= 0',
      name: 'Amount "positive"',
    });
    const plan = planAddCheck(odd, { key: [] });
    expect(statements(plan.expand)).toEqual([
      `alter table "Support Desk"."Ticket ""Log""" add constraint "Amount ""positive""" check ("Amount" >= 0) not valid`,
    ]);
    expect(statements(plan.contract)).toEqual([`alter table "Support Desk"."Ticket ""Log""" validate constraint "Amount ""positive"""`]);
    expect(plan.contract[0]?.explain?.query).toBe(
      `select ctid::text as ctid from "Support Desk"."Ticket ""Log""" where not ("Amount" >= 0) limit 5`,
    );
    expect(statements(plan.rollback)).toEqual([
      `alter table "Support Desk"."Ticket ""Log""" drop constraint if exists "Amount ""positive"""`,
    ]);
    const composite = planAddCheck(odd, { key: ['Tenant', 'id'] });
    expect(composite.contract[0]?.explain?.query).toBe(
      `select "Tenant"::text as "Tenant", "id"::text as "id" from "Support Desk"."Ticket ""Log""" where not ("Amount" >= 0) limit 5`,
    );
  });

  it('keeps a derived name within 63 bytes', () => {
    const long = addCheckSpec.parse({ op: 'add-check', table: 't'.repeat(63), check: 'true' });
    expect(Buffer.byteLength(checkName(long))).toBeLessThanOrEqual(63);
  });
});

describe('add-foreign-key planning (exact SQL)', () => {
  const spec = addForeignKeySpec.parse({
    op: 'add-foreign-key',
    table: 'tickets',
    columns: ['assigned_user_id'],
    references: { table: 'users', columns: ['id'] },
  });

  it('adds NOT VALID in expand, validates in contract with an orphans probe, drops on rollback; each step locks both tables first', () => {
    const plan = planAddForeignKey(spec, { referencingIndexed: true });
    expect(foreignKeyName(spec)).toBe('tickets_assigned_user_id_fkey');
    expect(addForeignKey.defaultName(spec)).toBe('add-foreign-key-tickets-tickets_assigned_user_id_fkey');
    expect(statements(plan.expand)).toEqual([
      'lock table "public"."users" in share row exclusive mode',
      'lock table "public"."tickets" in share row exclusive mode',
      `alter table "public"."tickets" add constraint "tickets_assigned_user_id_fkey" foreign key ("assigned_user_id") references "public"."users" ("id") not valid`,
    ]);
    expect(plan.backfill).toEqual([]);
    expect(statements(plan.contract)).toEqual([
      'lock table "public"."tickets" in share update exclusive mode',
      'lock table "public"."users" in row share mode',
      `alter table "public"."tickets" validate constraint "tickets_assigned_user_id_fkey"`,
    ]);
    expect(plan.contract[0]?.explain).toEqual({
      kind: 'orphans',
      sqlState: '23503',
      what: 'rows whose (assigned_user_id) has no match in public.users (id)',
      query:
        `select a."assigned_user_id"::text as "assigned_user_id" from "public"."tickets" a ` +
        `left join "public"."users" r on r."id" = a."assigned_user_id" ` +
        `where r."id" is null and a."assigned_user_id" is not null limit 5`,
    });
    expect(statements(plan.rollback)).toEqual([
      'lock table "public"."users" in access exclusive mode',
      'lock table "public"."tickets" in access exclusive mode',
      `alter table "public"."tickets" drop constraint if exists "tickets_assigned_user_id_fkey"`,
    ]);
    expect(plan.warnings).toEqual([]);
  });

  it('appends ON DELETE and ON UPDATE when given', () => {
    const withActions = planAddForeignKey({ ...spec, onDelete: 'set null', onUpdate: 'cascade' }, { referencingIndexed: true });
    expect(statements(withActions.expand).slice(2)).toEqual([
      `alter table "public"."tickets" add constraint "tickets_assigned_user_id_fkey" foreign key ("assigned_user_id") references "public"."users" ("id") on delete set null on update cascade not valid`,
    ]);
    const deleteOnly = planAddForeignKey({ ...spec, onDelete: 'restrict' }, { referencingIndexed: true });
    expect(statements(deleteOnly.expand).at(-1)).toMatch(/\("id"\) on delete restrict not valid$/);
  });

  it('plans a composite key across schemas with odd names', () => {
    const composite = addForeignKeySpec.parse({
      op: 'add-foreign-key',
      schema: 'Support',
      table: 'Ticket Tags',
      columns: ['Tenant', 'tag "name"'],
      references: { schema: 'catalog', table: 'tags', columns: ['tenant_id', 'name'] },
      onDelete: 'cascade',
    });
    const plan = planAddForeignKey(composite, { referencingIndexed: false });
    expect(foreignKeyName(composite)).toBe('Ticket Tags_Tenant_tag "name"_fkey');
    expect(statements(plan.expand)).toEqual([
      'lock table "catalog"."tags" in share row exclusive mode',
      'lock table "Support"."Ticket Tags" in share row exclusive mode',
      `alter table "Support"."Ticket Tags" add constraint "Ticket Tags_Tenant_tag ""name""_fkey" foreign key ("Tenant", "tag ""name""") ` +
        `references "catalog"."tags" ("tenant_id", "name") on delete cascade not valid`,
    ]);
    expect(plan.contract[0]?.explain?.query).toBe(
      `select a."Tenant"::text as "Tenant", a."tag ""name"""::text as "tag ""name""" from "Support"."Ticket Tags" a ` +
        `left join "catalog"."tags" r on r."tenant_id" = a."Tenant" and r."name" = a."tag ""name""" ` +
        `where r."tenant_id" is null and a."Tenant" is not null and a."tag ""name""" is not null limit 5`,
    );
    expect(statements(plan.rollback)).toEqual([
      'lock table "catalog"."tags" in access exclusive mode',
      'lock table "Support"."Ticket Tags" in access exclusive mode',
      `alter table "Support"."Ticket Tags" drop constraint if exists "Ticket Tags_Tenant_tag ""name""_fkey"`,
    ]);
    expect(plan.warnings).toEqual([
      'no index on "Support"."Ticket Tags" starts with (Tenant, tag "name"): every delete or key update on catalog.tags will scan "Support"."Ticket Tags" ' +
        'for matching rows; consider a create-index on (Tenant, tag "name") first',
    ]);
    expect(addForeignKey.tables(composite)).toEqual([
      { schema: 'Support', name: 'Ticket Tags' },
      { schema: 'catalog', name: 'tags' },
    ]);
  });

  it('lists a self-referencing table once, and locks it by its own statements (one table: no LOCK TABLE first)', () => {
    const self = addForeignKeySpec.parse({
      op: 'add-foreign-key',
      table: 'tickets',
      columns: ['parent_id'],
      references: { table: 'tickets', columns: ['id'] },
    });
    expect(addForeignKey.tables(self)).toEqual([{ schema: 'public', name: 'tickets' }]);
    const plan = planAddForeignKey(self, { referencingIndexed: true });
    expect([...plan.expand, ...plan.contract, ...plan.rollback].map((step) => step.statements.length)).toEqual([1, 1, 1]);
  });

  it('refuses a spec whose column lists differ in length', () => {
    const parsed = addForeignKeySpec.safeParse({
      op: 'add-foreign-key',
      table: 't',
      columns: ['a', 'b'],
      references: { table: 'r', columns: ['id'] },
    });
    expect(parsed.success).toBe(false);
  });
});

describe('foreign key index rules', () => {
  const index = (name: string, columns: (string | null)[], more: Partial<IndexKey> = {}): IndexKey => ({
    name,
    columns,
    unique: false,
    primary: false,
    usable: true,
    ...more,
  });
  const indexes = [
    index('users_pkey', ['id'], { unique: true, primary: true }),
    index('users_tenant_email_key', ['tenant_id', 'email'], { unique: true }),
    index('users_lower_email', [null], { unique: true }),
    index('users_name_key', ['name'], { unique: true, usable: false }),
    index('users_team_idx', ['team_id', 'created_at']),
  ];

  it('finds a referenced key only when its columns are exactly the referenced ones, in any order', () => {
    expect(findReferencedKey(indexes, ['id'])?.name).toBe('users_pkey');
    expect(findReferencedKey(indexes, ['email', 'tenant_id'])?.name).toBe('users_tenant_email_key');
    expect(findReferencedKey(indexes, ['tenant_id'])).toBeUndefined();
    expect(findReferencedKey(indexes, ['id', 'id'])).toBeUndefined();
    expect(findReferencedKey(indexes, ['name'])).toBeUndefined();
    expect(findReferencedKey(indexes, ['team_id', 'created_at'])).toBeUndefined();
  });

  it('counts an index as serving lookups when its leading keys are the referencing columns', () => {
    expect(servesLookups(indexes, ['team_id'])).toBe(true);
    expect(servesLookups(indexes, ['created_at', 'team_id'])).toBe(true);
    expect(servesLookups(indexes, ['created_at'])).toBe(false);
    expect(servesLookups(indexes, ['name'])).toBe(false);
    expect(servesLookups(indexes, ['email'])).toBe(false);
  });
});
