import { describe, expect, it } from 'vitest';
import { dropColumn, dropColumnSpec, planDropColumn } from '../../src/operations/drop-column.js';
import { dropTable, dropTableSpec, planDropTable } from '../../src/operations/drop-table.js';

const statements = (steps: readonly { statements: readonly string[] }[]) => steps.flatMap((s) => s.statements);
const none = { dependants: [], goesWith: [], alsoLocks: [] };
const view = { kind: 'view', description: 'view ticket_emails' };
const foreignKey = { kind: 'foreign key', description: 'foreign key followups_email_fkey on table followups' };
const index = { kind: 'index', description: 'index tickets_customer_email_idx' };

describe('drop-column planning (exact SQL)', () => {
  const spec = dropColumnSpec.parse({ op: 'drop-column', table: 'tickets', column: 'customer_email' });

  it('is contract only: one locked DROP COLUMN under lock_timeout, nothing to expand, backfill or roll back', () => {
    expect(spec.cascade).toBe(false);
    expect(dropColumn.defaultName(spec)).toBe('drop-column-tickets-customer_email');
    const plan = planDropColumn(spec, none);
    expect(plan.expand).toEqual([]);
    expect(plan.backfill).toEqual([]);
    expect(plan.rollback).toEqual([]);
    expect(plan.warnings).toEqual([]);
    expect(plan.contract).toEqual([
      {
        description: 'drop column customer_email of public.tickets',
        statements: ['alter table "public"."tickets" drop column if exists "customer_email"'],
        locks: 'ACCESS EXCLUSIVE on tickets, brief: catalog only (no rewrite, no scan)',
      },
    ]);
  });

  it('names the plain indexes that go with the column', () => {
    const plan = planDropColumn(spec, { dependants: [], goesWith: [index], alsoLocks: [] });
    expect(plan.contract[0]?.description).toBe(
      'drop column customer_email of public.tickets (also drops index tickets_customer_email_idx)',
    );
    expect(statements(plan.contract)).toEqual(['alter table "public"."tickets" drop column if exists "customer_email"']);
  });

  it('with cascade: DROP … CASCADE after locking the table and the far end of the dropped foreign key, the dependants named, its locks and a warning', () => {
    const followups = { schema: 'public', name: 'followups' };
    const plan = planDropColumn({ ...spec, cascade: true }, { dependants: [foreignKey, view], goesWith: [index], alsoLocks: [followups] });
    expect(statements(plan.contract)).toEqual([
      'lock table "public"."tickets" in access exclusive mode',
      'lock table "public"."followups" in access exclusive mode',
      'alter table "public"."tickets" drop column if exists "customer_email" cascade',
    ]);
    expect(plan.contract[0]?.description).toBe(
      'drop column customer_email of public.tickets cascade (also drops foreign key followups_email_fkey on table followups, view ticket_emails, index tickets_customer_email_idx)',
    );
    expect(plan.contract[0]?.locks).toBe(
      'ACCESS EXCLUSIVE on tickets, followups, brief: catalog only (no rewrite, no scan); also ACCESS EXCLUSIVE on each dropped view and on the tables of dropped foreign keys (both ends)',
    );
    expect(plan.warnings).toEqual([
      'dropping column customer_email of public.tickets with cascade also drops foreign key followups_email_fkey on table followups, view ticket_emails',
    ]);
    expect(plan.contract[0]?.kind).toBeUndefined();
  });

  it('quotes odd names', () => {
    const odd = dropColumnSpec.parse({ op: 'drop-column', schema: 'Support Desk', table: 'Ticket "Log"', column: 'E-mail', cascade: true });
    expect(statements(planDropColumn(odd, none).contract)).toEqual([
      'alter table "Support Desk"."Ticket ""Log""" drop column if exists "E-mail" cascade',
    ]);
    expect(planDropColumn(odd, none).contract[0]?.description).toBe('drop column E-mail of "Support Desk"."Ticket ""Log""" cascade');
  });
});

describe('drop-table planning (exact SQL)', () => {
  const spec = dropTableSpec.parse({ op: 'drop-table', table: 'ticket_archive' });
  const primaryKey = { kind: 'primary key', description: 'primary key ticket_archive_pkey on table ticket_archive' };

  it('is contract only: one locked DROP TABLE, its own parts named, nothing to roll back', () => {
    expect(dropTable.defaultName(spec)).toBe('drop-table-ticket_archive');
    const plan = planDropTable(spec, { dependants: [], goesWith: [primaryKey], alsoLocks: [] });
    expect(plan.expand).toEqual([]);
    expect(plan.backfill).toEqual([]);
    expect(plan.rollback).toEqual([]);
    expect(plan.warnings).toEqual([]);
    expect(plan.contract).toEqual([
      {
        description: 'drop table public.ticket_archive (also drops primary key ticket_archive_pkey on table ticket_archive)',
        statements: ['drop table if exists "public"."ticket_archive"'],
        locks: 'ACCESS EXCLUSIVE on ticket_archive, brief: catalog only',
      },
    ]);
  });

  it('locks the tables its foreign keys reference first, by name, then drops (the table itself may be gone already)', () => {
    const tickets = { schema: 'public', name: 'tickets' };
    const users = { schema: 'public', name: 'users' };
    const plan = planDropTable(spec, { dependants: [], goesWith: [], alsoLocks: [tickets, users] });
    expect(statements(plan.contract)).toEqual([
      'lock table "public"."tickets" in access exclusive mode',
      'lock table "public"."users" in access exclusive mode',
      'drop table if exists "public"."ticket_archive"',
    ]);
    expect(plan.contract[0]?.locks).toBe('ACCESS EXCLUSIVE on tickets, users, ticket_archive, brief: catalog only');
  });

  it('with cascade: DROP … CASCADE and a warning naming the dependants', () => {
    const plan = planDropTable({ ...spec, cascade: true }, { dependants: [view], goesWith: [], alsoLocks: [] });
    expect(statements(plan.contract)).toEqual(['drop table if exists "public"."ticket_archive" cascade']);
    expect(plan.contract[0]?.description).toBe('drop table public.ticket_archive cascade (also drops view ticket_emails)');
    expect(plan.contract[0]?.locks).toMatch(/; also ACCESS EXCLUSIVE on each dropped view/);
    expect(plan.warnings).toEqual(['dropping table public.ticket_archive with cascade also drops view ticket_emails']);
  });

  it('with cascade but no dependants: still CASCADE in the SQL (dependants added after start go too), no warning', () => {
    const plan = planDropTable(dropTableSpec.parse({ op: 'drop-table', schema: 'Archive', table: 'Old "Tickets"', cascade: true }), none);
    expect(statements(plan.contract)).toEqual(['drop table if exists "Archive"."Old ""Tickets""" cascade']);
    expect(plan.warnings).toEqual([]);
  });
});
