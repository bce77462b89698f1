// Instruments the rehearsal's copy (never a user's database): event triggers record, inside the
// migration's own transaction, the locks it holds before and after each DDL statement and each table it
// rewrites, into a table of a schema of our own. Observations of an attempt that rolls back vanish with
// it; the lock poller (lock-poller.ts) still saw that attempt.
import type { Sql } from '../db/connect.js';

/** The schema the tracing lives in; its relations are never reported. */
export const traceSchema = 'online_rehearsal';

/**
 * A relation as the trace reports it: itself, the table it belongs to (an index's table; a TOAST
 * table's, or its index's, owner; else itself) and that table's partition ancestors, nearest first. Null when the relation is
 * not visible (created by a transaction that has not committed).
 */
const describeRelation = `
create function ${traceSchema}.describe_relation(rel oid) returns jsonb language sql stable as $$
  with indexed as (
    select c.oid, c.relkind, n.nspname, c.relname,
           case when c.relkind in ('i', 'I') then (select x.indrelid from pg_index x where x.indexrelid = c.oid) else c.oid end as tbl
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.oid = rel),
  r as (
    select i.oid, i.relkind, i.nspname, i.relname,
           coalesce((select o.oid from pg_class o where o.reltoastrelid = i.tbl), i.tbl) as owner
    from indexed i)
  select jsonb_build_object(
           'schema', r.nspname, 'name', r.relname, 'kind', r.relkind,
           'tableSchema', tn.nspname, 'table', t.relname,
           'ancestors', coalesce((select jsonb_agg(jsonb_build_object('schema', an.nspname, 'name', a.relname) order by pa.depth)
                                  from (select relid, row_number() over () as depth from pg_partition_ancestors(r.owner)) pa
                                  join pg_class a on a.oid = pa.relid join pg_namespace an on an.oid = a.relnamespace
                                  where pa.relid <> r.owner), '[]'::jsonb))
  from r left join pg_class t on t.oid = r.owner left join pg_namespace tn on tn.oid = t.relnamespace
$$`;

/**
 * The relation locks this backend's transaction holds, with `created`: made by this transaction (not
 * there when the rehearsal began, its catalog row written by this transaction), so no one else can
 * be waiting for it.
 */
const heldLocks = `
create function ${traceSchema}.held_locks() returns jsonb language sql volatile as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'oid', l.relation, 'mode', l.mode, 'relation', ${traceSchema}.describe_relation(l.relation),
           'created', c.xmin = pg_current_xact_id_if_assigned()::xid
                      and not exists (select from ${traceSchema}.relations_before b where b.oid = l.relation))), '[]'::jsonb)
  from pg_locks l join pg_class c on c.oid = l.relation
  where l.pid = pg_backend_pid() and l.locktype = 'relation' and l.granted and l.relation >= 16384
    and l.database = (select oid from pg_database where datname = current_database())
    and c.relnamespace <> '${traceSchema}'::regnamespace
$$`;

// DROP INDEX CONCURRENTLY must be the first action of its transaction: a row written before it (an
// xid assigned) would make it fail, so its start is not recorded (its end is, as a whole).
const noteDdl = `
create function ${traceSchema}.note_ddl() returns event_trigger language plpgsql as $$
begin
  if tg_event = 'ddl_command_start' and tg_tag = 'DROP INDEX' and pg_current_xact_id_if_assigned() is null then
    return;
  end if;
  insert into ${traceSchema}.observations (event, tag, query, pid, xact_start, locks)
  values (tg_event, tg_tag, current_query(), pg_backend_pid(), now(), ${traceSchema}.held_locks());
end $$`;

const noteRewrite = `
create function ${traceSchema}.note_rewrite() returns event_trigger language plpgsql as $$
begin
  insert into ${traceSchema}.observations (event, tag, query, pid, xact_start, rewrite)
  values (tg_event, tg_tag, current_query(), pg_backend_pid(), now(),
          jsonb_build_object('relation', ${traceSchema}.describe_relation(pg_event_trigger_table_rewrite_oid()),
                             'reason', pg_event_trigger_table_rewrite_reason()));
end $$`;

/** The statements that install the tracing, in order. */
export const traceInstallStatements: readonly string[] = [
  // A copy of a database that was itself a rehearsal's copy holds the schema already.
  `drop schema if exists ${traceSchema} cascade`,
  `create schema ${traceSchema}`,
  `create table ${traceSchema}.observations (
     id bigint generated always as identity primary key,
     at double precision not null default extract(epoch from clock_timestamp()) * 1000,
     event text not null, tag text, query text, pid int not null, xact_start timestamptz not null,
     locks jsonb, rewrite jsonb)`,
  `create table ${traceSchema}.relations_before (oid oid primary key, relfilenode oid not null, kind "char" not null, relation jsonb)`,
  describeRelation,
  heldLocks,
  noteDdl,
  noteRewrite,
  `create event trigger online_rehearsal_ddl_start on ddl_command_start execute function ${traceSchema}.note_ddl()`,
  `create event trigger online_rehearsal_ddl_end on ddl_command_end execute function ${traceSchema}.note_ddl()`,
  `create event trigger online_rehearsal_rewrite on table_rewrite execute function ${traceSchema}.note_rewrite()`,
  // Last, so the statements above are not observed.
  `insert into ${traceSchema}.relations_before select c.oid, c.relfilenode, c.relkind, ${traceSchema}.describe_relation(c.oid) from pg_class c
     where c.oid >= 16384 and c.relnamespace <> '${traceSchema}'::regnamespace`,
];

/** Installs the tracing in the copy (as its superuser). */
export async function installTracing(copy: Sql): Promise<void> {
  for (const statement of traceInstallStatements) await copy.unsafe(statement);
}

/** Stops tracing: later DDL (none of the migration's) is not observed. */
export async function removeTriggers(copy: Sql): Promise<void> {
  for (const name of ['online_rehearsal_ddl_start', 'online_rehearsal_ddl_end', 'online_rehearsal_rewrite']) {
    await copy.unsafe(`drop event trigger if exists ${name}`);
  }
}
