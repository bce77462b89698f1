// The writes of the simulated support application, in two releases: the one running when the
// migration starts (unaware of `priority`) and the next one (sets `priority` itself).
import type postgres from 'postgres';
import { ticketStatuses } from './seed-tickets.js';

/** `unaware` relies on the migration's trigger; `aware` is what is deployed before contract. */
export type AppRelease = 'unaware' | 'aware';

/** What a support application does all day: open tickets, move them along, escalate some. */
export async function randomTicketWrite(sql: postgres.Sql, table: string, maxId: number, release: AppRelease): Promise<void> {
  const roll = Math.random();
  const id = 1 + Math.floor(Math.random() * maxId);
  const aware = release === 'aware';
  if (roll < 0.25) {
    const n = Math.floor(Math.random() * 1e9);
    const ticket = {
      title: `New ticket ${n}`,
      description: 'Submitted through the help widget',
      status: 'open',
      customer_email: `customer${n % 50000}@example.com`,
    };
    await sql`insert into ${sql(table)} ${sql(aware ? { ...ticket, priority: 'normal' } : ticket)}`;
  } else if (roll < 0.8) {
    const status = ticketStatuses[Math.floor(Math.random() * ticketStatuses.length)] ?? 'open';
    const resolvedAt = status === 'resolved' || status === 'closed' ? new Date() : null;
    await sql`
      update ${sql(table)} set status = ${status}, resolved_at = ${resolvedAt}, updated_at = now()
        ${aware ? sql`, priority = case when escalated then 'high' when ${status}::text in ('resolved', 'closed') then 'low' else 'normal' end` : sql``}
      where id = ${id}`;
  } else {
    const escalated = Math.random() < 0.5;
    await sql`
      update ${sql(table)} set escalated = ${escalated}, updated_at = now()
        ${aware ? sql`, priority = case when ${escalated}::boolean then 'high' when status in ('resolved', 'closed') then 'low' else 'normal' end` : sql``}
      where id = ${id}`;
  }
}
