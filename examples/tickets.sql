-- The tickets table of the customer-support system used by the examples, with 100,000 sample rows.
-- psql "$DATABASE_URL" -f examples/tickets.sql
create table tickets (
  id bigint generated always as identity primary key,
  title text not null,
  description text,
  status text not null default 'open',
  escalated boolean not null default false,
  customer_email text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  resolved_at timestamptz
);

insert into tickets (title, status, escalated, customer_email, created_at, resolved_at)
select 'ticket ' || g,
       (array['open', 'in_progress', 'pending', 'resolved', 'closed'])[1 + g % 5],
       g % 7 = 0,
       'customer' || (g % 5000) || '@example.com',
       now() - (g || ' minutes')::interval,
       case when g % 5 >= 3 then now() - (g || ' minutes')::interval + interval '2 hours' end
from generate_series(1, 100000) g;

analyze tickets;
