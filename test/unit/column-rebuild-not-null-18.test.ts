// planColumnRebuild on PostgreSQL 18, where NOT NULL is a constraint with a name: the copy's NOT NULL is
// added under a name of ours and given the old column's name once the old column is gone, where
// SET NOT NULL would have named it after the shadow (`<table>_id_online_new_not_null`) for good.
import { describe, expect, it } from 'vitest';
import { planColumnRebuild, type RebuiltColumn } from '../../src/operations/column-rebuild.js';

const accounts = { schema: 'public', name: 'accounts' };

const column = (notNullConstraint: string | undefined): RebuiltColumn => ({
  table: accounts,
  column: 'id',
  shadow: 'id_online_new',
  type: 'bigint',
  using: '"id"',
  notNull: true,
  ...(notNullConstraint === undefined ? {} : { notNullConstraint }),
  default: null,
  ownedSequence: null,
  identity: null,
  indexes: [],
  checks: [],
  key: [{ name: 'n', type: 'integer' }],
});

function swap(notNullConstraint: string | undefined): readonly string[] {
  const plan = planColumnRebuild({
    sync: 'one-way',
    renameShadow: true,
    searchPath: ['public'],
    columns: [column(notNullConstraint)],
    foreignKeys: [],
  });
  return (plan.contract.at(-1)?.statements ?? []).filter((s) => s.startsWith('alter table'));
}

describe('planColumnRebuild: the NOT NULL of a rebuilt column', () => {
  it('before 18: SET NOT NULL on the shadow, proven by the validated check, which is dropped after', () => {
    expect(swap(undefined)).toEqual([
      'alter table "public"."accounts" alter column "id_online_new" set not null',
      'alter table "public"."accounts" drop constraint "online_sync_nn_accounts_id_7cd0bd3860"',
      'alter table "public"."accounts" drop column "id"',
      'alter table "public"."accounts" rename column "id_online_new" to "id"',
    ]);
  });

  it('on 18: the NOT NULL constraint is added under a name of ours and renamed to the old one after the old column is dropped', () => {
    expect(swap('accounts_id_not_null')).toEqual([
      'alter table "public"."accounts" add constraint "accounts_id_not_null_online_new" not null "id_online_new"',
      'alter table "public"."accounts" drop constraint "online_sync_nn_accounts_id_7cd0bd3860"',
      'alter table "public"."accounts" drop column "id"',
      'alter table "public"."accounts" rename column "id_online_new" to "id"',
      'alter table "public"."accounts" rename constraint "accounts_id_not_null_online_new" to "accounts_id_not_null"',
    ]);
  });
});
