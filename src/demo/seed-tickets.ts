// Creates the customer-support `tickets` table and fills it server-side with generate_series.
import type postgres from 'postgres';

export const ticketStatuses = ['open', 'in_progress', 'pending', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof ticketStatuses)[number];

/**
 * The primary key is added after the bulk insert: one sorted index build is several times faster
 * than maintaining the index row by row. Fails if the table already exists (never drops data).
 */
export async function seedTickets(sql: postgres.Sql, table: string, rows: number): Promise<void> {
  await sql`
    create table ${sql(table)} (
      id bigint generated always as identity,
      title text not null,
      description text,
      status text not null default 'open'
        check (status in ('open', 'in_progress', 'pending', 'resolved', 'closed')),
      escalated boolean not null default false,
      customer_email text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      resolved_at timestamptz
    )`;
  // Status mix: 30% open, 20% in progress, 10% pending, 20% resolved, 20% closed; 1 in 11 escalated.
  await sql`
    insert into ${sql(table)} (title, description, status, escalated, customer_email, created_at, updated_at, resolved_at)
    select 'Ticket ' || g,
           'Customer reports problem #' || g || ' with their order',
           status,
           g % 11 = 0,
           'customer' || (g % 50000) || '@example.com',
           now() - make_interval(secs => g),
           now() - make_interval(secs => g / 2),
           case when status in ('resolved', 'closed') then now() - make_interval(secs => g / 3) end
    from (
      select g, (array['open', 'open', 'open', 'in_progress', 'in_progress', 'pending', 'resolved', 'resolved', 'closed', 'closed'])[1 + (g * 7) % 10] as status
      from generate_series(1, ${rows}::int) g
    ) seed`;
  await sql`alter table ${sql(table)} add primary key (id)`;
  await sql`analyze ${sql(table)}`;
}
