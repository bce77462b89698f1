import { describe, expect, it } from 'vitest';
import { planColumnRebuild, type ColumnRebuild, type RebuiltColumn } from '../../src/operations/column-rebuild.js';
import { planInstantRename, renameColumnSpec } from '../../src/operations/rename-column.js';

const users = { schema: 'public', name: 'users' };
const orders = { schema: 'public', name: 'orders' };

const usersId: RebuiltColumn = {
  table: users,
  column: 'id',
  shadow: 'id_online_new',
  type: 'bigint',
  using: '"id"',
  notNull: true,
  default: "nextval('users_id_seq'::regclass)",
  ownedSequence: { name: { schema: 'public', name: 'users_id_seq' }, dataType: 'integer', increment: 1, grow: 'bigint' },
  identity: null,
  indexes: [
    {
      name: 'users_pkey',
      newName: 'users_pkey_online_new',
      unique: true,
      body: 'USING btree ("id_online_new")',
      definition: 'UNIQUE USING btree (id_online_new)',
      constraint: { name: 'users_pkey', type: 'p', deferrable: false, deferred: false },
    },
  ],
  checks: [],
  key: [{ name: 'id', type: 'integer' }],
};

const ordersUserId: RebuiltColumn = {
  table: orders,
  column: 'user_id',
  shadow: 'user_id_online_new',
  type: 'bigint',
  using: '"user_id"',
  notNull: false,
  default: null,
  ownedSequence: null,
  identity: null,
  indexes: [
    {
      name: 'orders_user_id_idx',
      newName: 'orders_user_id_idx_online_new',
      unique: false,
      body: 'USING btree ("user_id_online_new")',
      definition: 'USING btree (user_id_online_new)',
      constraint: null,
    },
  ],
  checks: [
    {
      name: 'orders_user_id_check',
      newName: 'orders_user_id_check_online_new',
      definition: 'CHECK (("user_id_online_new" > 0))',
      validated: true,
    },
  ],
  key: [{ name: 'id', type: 'bigint' }],
};

const primaryKeyWithReference: ColumnRebuild = {
  sync: 'one-way',
  renameShadow: true,
  searchPath: ['public'],
  columns: [usersId, ordersUserId],
  foreignKeys: [
    {
      name: 'orders_user_id_fkey',
      newName: 'orders_user_id_fkey_online_new',
      table: orders,
      columns: ['user_id'],
      references: users,
      referencedColumns: ['id'],
      clauses: 'ON DELETE CASCADE',
      validated: true,
      newColumns: ['user_id_online_new'],
      newReferencedColumns: ['id_online_new'],
    },
  ],
};

describe('planColumnRebuild: int → bigint on a primary key referenced by a foreign key', () => {
  const plan = planColumnRebuild(primaryKeyWithReference);

  it('expand adds each shadow, its sync triggers and its CHECKs not valid (no index yet: the shadow is no key while it fills)', () => {
    expect(plan.expand.map((s) => [s.kind ?? 'locked', s.description])).toEqual([
      ['locked', 'add column id_online_new bigint to users (nullable, no default)'],
      ['locked', 'install triggers that keep id_online_new = using(row) on every insert and update'],
      ['locked', 'add the CHECKs of id and its NOT NULL on id_online_new, not valid'],
      ['locked', 'add column user_id_online_new bigint to orders (nullable, no default)'],
      ['locked', 'install triggers that keep user_id_online_new = using(row) on every insert and update'],
      ['locked', 'add the CHECKs of user_id on user_id_online_new, not valid'],
    ]);
    expect(plan.expand[0]?.statements).toEqual(['alter table "public"."users" add column if not exists "id_online_new" bigint']);
    const sync = plan.expand[1]?.statements ?? [];
    expect(sync[0]).toContain('NEW."id_online_new" := (select ("id") from (select NEW.*) as online_row);');
    expect(sync[1]).toContain('declare converted bigint;\nbegin\n  converted := (select ("id") from (select r.*) as online_row);');
    expect(sync[0]).toContain('exception when data_exception then\n    NEW."id_online_new" := null;');
    // Both functions resolve `using` with the search path pre-flight resolved it with.
    expect(sync[0]).toMatch(
      /^create or replace function "public"\."online_sync_users_id_cc619dc0e4"\(\) returns trigger language plpgsql set search_path = "public", pg_temp as /,
    );
    expect(sync[1]).toMatch(
      /^create or replace function "public"\."online_convert_users_id_cc619dc0e4"\(r "public"\."users"\) returns text language plpgsql stable set search_path = "public", pg_temp as /,
    );
    expect(sync.slice(2)).toEqual([
      'drop trigger if exists "online_sync_insert_users_id_cc619dc0e4" on "public"."users"',
      'create trigger "online_sync_insert_users_id_cc619dc0e4" before insert on "public"."users" for each row execute function "public"."online_sync_users_id_cc619dc0e4"()',
      'drop trigger if exists "online_sync_update_users_id_cc619dc0e4" on "public"."users"',
      'create trigger "online_sync_update_users_id_cc619dc0e4" before update on "public"."users" for each row when (NEW."id_online_new" is not distinct from OLD."id_online_new") execute function "public"."online_sync_users_id_cc619dc0e4"()',
    ]);
    expect(plan.expand[2]?.statements).toEqual([
      'alter table "public"."users" drop constraint if exists "online_sync_nn_users_id_cc619dc0e4", add constraint "online_sync_nn_users_id_cc619dc0e4" check ("id_online_new" is not null) not valid',
    ]);
    expect(plan.expand[5]?.statements).toEqual([
      'alter table "public"."orders" drop constraint if exists "orders_user_id_check_online_new", add constraint "orders_user_id_check_online_new" CHECK (("user_id_online_new" > 0)) not valid',
    ]);
  });

  it('backfill fills every shadow, then verifies every row again, with conversion failures explained', () => {
    expect(plan.backfill.map((t) => t.id)).toEqual([
      'public.users.id_online_new',
      'public.orders.user_id_online_new',
      'public.users.id_online_new:verify',
      'public.orders.user_id_online_new:verify',
    ]);
    expect(plan.backfill[0]).toMatchObject({
      set: '"id_online_new" = ("id")',
      needsWork: '"id_online_new" is distinct from ("id")::bigint',
      searchPath: ['public'],
      // The sync triggers set the shadow on every write: the batches may page by ctid.
      writesFilled: true,
    });
    expect(plan.backfill[0]?.explain).toEqual({
      kind: 'unconvertible',
      sqlState: '22',
      what: 'rows of public.users whose id cannot be converted to bigint (key, reason)',
      query:
        'select r."id"::text as "id", "public"."online_convert_users_id_cc619dc0e4"(r) as reason from "public"."users" r where "public"."online_convert_users_id_cc619dc0e4"(r) is not null limit 5',
    });
  });

  it('contract builds the index copies concurrently, adds and validates the foreign keys and CHECKs, then swaps everything in one transaction; the steps on two tables lock them first', () => {
    expect(plan.contract.slice(0, 2)).toMatchObject([
      {
        kind: 'concurrent',
        description: 'build unique index users_pkey_online_new on id_online_new concurrently (copy of users_pkey)',
        statements: ['create unique index concurrently "users_pkey_online_new" on "public"."users" USING btree ("id_online_new")'],
        buildsIndex: { schema: 'public', name: 'users_pkey_online_new', table: users, definition: 'UNIQUE USING btree (id_online_new)' },
        reversible: true,
      },
      {
        kind: 'concurrent',
        description: 'build index orders_user_id_idx_online_new on user_id_online_new concurrently (copy of orders_user_id_idx)',
        reversible: true,
      },
    ]);
    // Everything before the swap only adds or validates what rollback drops.
    expect(plan.contract.map((s) => s.reversible === true)).toEqual([true, true, true, true, true, true, false]);
    expect(plan.contract.slice(2).map((s) => s.statements)).toEqual([
      [
        'lock table "public"."users" in share row exclusive mode',
        'lock table "public"."orders" in access exclusive mode',
        'alter table "public"."orders" drop constraint if exists "orders_user_id_fkey_online_new"',
        'alter table "public"."orders" add constraint "orders_user_id_fkey_online_new" foreign key ("user_id_online_new") references "public"."users" ("id_online_new") ON DELETE CASCADE not valid',
      ],
      [
        'lock table "public"."orders" in share update exclusive mode',
        'lock table "public"."users" in row share mode',
        'alter table "public"."orders" validate constraint "orders_user_id_fkey_online_new"',
      ],
      ['alter table "public"."users" validate constraint "online_sync_nn_users_id_cc619dc0e4"'],
      ['alter table "public"."orders" validate constraint "orders_user_id_check_online_new"'],
      [
        // The referenced table first: one LOCK TABLE each, so only the first waits the full lock_timeout.
        'lock table "public"."users" in access exclusive mode',
        'lock table "public"."orders" in access exclusive mode',
        'drop trigger if exists "online_sync_insert_users_id_cc619dc0e4" on "public"."users"',
        'drop trigger if exists "online_sync_update_users_id_cc619dc0e4" on "public"."users"',
        'drop function if exists "public"."online_sync_users_id_cc619dc0e4"()',
        'drop function if exists "public"."online_convert_users_id_cc619dc0e4"("public"."users")',
        'drop trigger if exists "online_sync_insert_orders_user_id_48eb33c221" on "public"."orders"',
        'drop trigger if exists "online_sync_update_orders_user_id_48eb33c221" on "public"."orders"',
        'drop function if exists "public"."online_sync_orders_user_id_48eb33c221"()',
        'drop function if exists "public"."online_convert_orders_user_id_48eb33c221"("public"."orders")',
        'alter table "public"."orders" drop constraint "orders_user_id_fkey"',
        'alter table "public"."users" drop constraint "users_pkey"',
        'alter table "public"."users" alter column "id_online_new" set not null',
        'alter table "public"."users" drop constraint "online_sync_nn_users_id_cc619dc0e4"',
        'alter sequence "public"."users_id_seq" owned by "public"."users"."id_online_new"',
        'alter sequence "public"."users_id_seq" as bigint',
        'alter table "public"."users" alter column "id_online_new" set default (nextval(\'users_id_seq\'::regclass))',
        'alter table "public"."users" drop column "id"',
        'alter table "public"."users" rename column "id_online_new" to "id"',
        'alter table "public"."users" add constraint "users_pkey" primary key using index "users_pkey_online_new"',
        'alter table "public"."orders" drop column "user_id"',
        'alter table "public"."orders" rename column "user_id_online_new" to "user_id"',
        'alter index "public"."orders_user_id_idx_online_new" rename to "orders_user_id_idx"',
        'alter table "public"."orders" rename constraint "orders_user_id_check_online_new" to "orders_user_id_check"',
        'alter table "public"."orders" rename constraint "orders_user_id_fkey_online_new" to "orders_user_id_fkey"',
      ],
    ]);
    expect(plan.contract.slice(2).every((s) => s.kind === undefined && s.locks !== undefined)).toBe(true);
  });

  it('rollback drops the new foreign keys, triggers and shadow columns in one step, locking both tables first', () => {
    expect(plan.rollback.map((s) => s.statements)).toEqual([
      [
        'lock table "public"."users" in access exclusive mode',
        'lock table "public"."orders" in access exclusive mode',
        'alter table "public"."orders" drop constraint if exists "orders_user_id_fkey_online_new"',
        'drop trigger if exists "online_sync_insert_users_id_cc619dc0e4" on "public"."users"',
        'drop trigger if exists "online_sync_update_users_id_cc619dc0e4" on "public"."users"',
        'drop function if exists "public"."online_sync_users_id_cc619dc0e4"()',
        'drop function if exists "public"."online_convert_users_id_cc619dc0e4"("public"."users")',
        'alter table "public"."users" drop column if exists "id_online_new"',
        'drop trigger if exists "online_sync_insert_orders_user_id_48eb33c221" on "public"."orders"',
        'drop trigger if exists "online_sync_update_orders_user_id_48eb33c221" on "public"."orders"',
        'drop function if exists "public"."online_sync_orders_user_id_48eb33c221"()',
        'drop function if exists "public"."online_convert_orders_user_id_48eb33c221"("public"."orders")',
        'alter table "public"."orders" drop column if exists "user_id_online_new"',
      ],
    ]);
  });
});

describe('planColumnRebuild: an identity column and a two-way rename', () => {
  it('re-creates an identity on the shadow, continuing its sequence, and gives the sequence its old name', () => {
    const column: RebuiltColumn = {
      ...usersId,
      default: null,
      ownedSequence: null,
      identity: { kind: 'always', sequence: { name: { schema: 'public', name: 'users_id_seq' }, dataType: 'integer', increment: 1 } },
      indexes: [],
    };
    const swap =
      planColumnRebuild({ sync: 'one-way', renameShadow: true, columns: [column], foreignKeys: [], searchPath: ['public'] }).contract.at(-1)
        ?.statements ?? [];
    const identity = swap.find((s) => s.startsWith('do '));
    expect(identity).toContain(
      'select case when is_called then last_value + 1 else last_value end into next from "public"."users_id_seq";',
    );
    expect(identity).toContain(
      'alter table "public"."users" alter column "id_online_new" add generated always as identity (sequence name "public"."users_id_seq_online_new" increment by 1 start with ',
    );
    expect(swap.indexOf(identity ?? '')).toBeLessThan(swap.indexOf('alter table "public"."users" drop column "id"'));
    expect(swap.at(-1)).toBe('alter sequence "public"."users_id_seq_online_new" rename to "users_id_seq"');
  });

  it('a rename keeps both names in step, whichever one a writer changes, and keeps the new name after contract', () => {
    const column: RebuiltColumn = { ...ordersUserId, shadow: 'customer_id', type: 'integer', using: '"user_id"', indexes: [], checks: [] };
    const plan = planColumnRebuild({ sync: 'two-way', renameShadow: false, columns: [column], foreignKeys: [], searchPath: ['public'] });
    const fn = plan.expand[1]?.statements[0] ?? '';
    expect(fn).toContain(
      [
        "  if TG_OP = 'INSERT' then",
        '    if NEW."customer_id" is null then NEW."customer_id" := NEW."user_id"; else NEW."user_id" := NEW."customer_id"; end if;',
        '  elsif NEW."customer_id" is distinct from OLD."customer_id" then',
        '    NEW."user_id" := NEW."customer_id";',
        '  else',
        '    NEW."customer_id" := NEW."user_id";',
        '  end if;',
      ].join('\n'),
    );
    expect(plan.expand[1]?.statements).toHaveLength(5);
    expect(plan.backfill[0]?.explain).toBeUndefined();
    const swap = plan.contract.at(-1)?.statements ?? [];
    expect(swap).toContain('alter table "public"."orders" drop column "user_id"');
    expect(swap.some((s) => s.includes('rename column'))).toBe(false);
  });

  it('--instant is one RENAME in contract and nothing else', () => {
    const plan = planInstantRename(
      renameColumnSpec.parse({ op: 'rename-column', table: 'tickets', column: 'status', to: 'state', instant: true }),
    );
    expect(plan.expand).toEqual([]);
    expect(plan.contract.map((s) => s.statements)).toEqual([['alter table "public"."tickets" rename column "status" to "state"']]);
  });
});
