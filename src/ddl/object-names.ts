// The names of every object online creates, in one place, so no two migrations can share one.
//
// Helper objects (fill and sync functions and triggers, NOT NULL checks) are named
//   online_<kind>_<table>_<column>_<hash>
// where <hash> is the first 10 hex digits of sha256 over the exact (schema, table, column) target.
// The readable middle only helps a reader of `\d`; the hash makes the name unique: `a_b`.`c` and
// `a`.`b_c` read alike but hash apart. The middle is cut (whole code points, table and column sharing
// the room) so the name stays within PostgreSQL's 63 bytes; prefix and hash are never cut. The kinds
// are chosen so that no `online_<kind>_` is a prefix of another kind's within the same namespace
// (functions, triggers, constraints), and each operation has its own kinds, so migrations stacked on
// one column never collide either. Trigger kinds sort as before (`fill` < `snn` < `sync`): same-event
// triggers fire in name order.
//
// Copies that replace an object at contract keep its name plus `_online_new`; defaults for the user's
// own objects follow PostgreSQL's `<table>_<columns>_idx` pattern. Both are cut with a hash of the
// full name when too long. Plans are stored with their migration, so a migration in flight keeps the
// names it was planned with.
//
// Pre-flight's probes create temporary tables, indexes and constraints on empty copies, inside
// transactions it always rolls back; their names are here too (`online_…_probe`), all but the default
// probe's in src/catalog/default-volatility.ts, a layer below this one.
import { createHash } from 'node:crypto';

/** The column a migration works on: what a helper object's name is unique to. */
export interface NameTarget {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
}

const maxBytes = 63;
const hashLength = 10;

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, hashLength);
const bytes = (text: string): number => Buffer.byteLength(text);

/** The longest run of whole code points from the start of `text` within `limit` bytes. */
function cut(text: string, limit: number): string {
  let out = '';
  for (const ch of text) {
    if (bytes(out + ch) > limit) break;
    out += ch;
  }
  return out;
}

/** `table_column` in `room` bytes: each keeps its own length up to half, and gives the rest to the other. */
function readable(table: string, column: string, room: number): string {
  if (bytes(table) + 1 + bytes(column) <= room) return `${table}_${column}`;
  const half = Math.floor((room - 1) / 2);
  const tableRoom = Math.max(half, room - 1 - bytes(column));
  const t = cut(table, tableRoom);
  return `${t}_${cut(column, room - 1 - bytes(t))}`;
}

/** `online_<kind>_<table>_<column>_<hash of the target>`, at most 63 bytes. */
function helperName(kind: string, target: NameTarget): string {
  const prefix = `online_${kind}_`;
  const hash = sha256Hex(JSON.stringify([target.schema, target.table, target.column]));
  return `${prefix}${readable(target.table, target.column, maxBytes - bytes(prefix) - 1 - hashLength)}_${hash}`;
}

/**
 * `head + tail` when it fits in 63 bytes; otherwise `head` is cut to whole code points and a hash of
 * the full name goes between, so two long names that share their first 50 bytes stay distinct.
 */
export function fitIdentifier(head: string, tail = ''): string {
  const full = head + tail;
  if (bytes(full) <= maxBytes) return full;
  const marker = `_${sha256Hex(full)}`;
  return `${cut(head, maxBytes - bytes(marker) - bytes(tail))}${marker}${tail}`;
}

/** add-column: the fill function, its two triggers, and the NOT NULL check. */
export function addColumnNames(target: NameTarget): { fn: string; insertTrigger: string; updateTrigger: string; notNullCheck: string } {
  return {
    fn: helperName('fill', target),
    insertTrigger: helperName('fill_insert', target),
    updateTrigger: helperName('fill_update', target),
    notNullCheck: helperName('nn', target),
  };
}

/** set-not-null: the fill function and its trigger (one name, two namespaces), and the NOT NULL check. */
export function setNotNullNames(target: NameTarget): { fn: string; trigger: string; check: string } {
  return {
    fn: helperName('snn_fill', target),
    trigger: helperName('snn_fill', target),
    check: helperName('snn', target),
  };
}

/** change-type and rename-column, per rebuilt column: sync function and triggers, conversion probe, NOT NULL check of the copy. */
export function rebuildNames(target: NameTarget): {
  fn: string;
  check: string;
  insertTrigger: string;
  updateTrigger: string;
  notNull: string;
} {
  return {
    fn: helperName('sync', target),
    check: helperName('convert', target),
    insertTrigger: helperName('sync_insert', target),
    updateTrigger: helperName('sync_update', target),
    notNull: helperName('sync_nn', target),
  };
}

/** A name for the new copy of an index, constraint, sequence or column while the old one still exists. */
export const shadowName = (name: string): string => fitIdentifier(name, '_online_new');

/** PostgreSQL's pattern for a name the user left out: `<table>_<parts…>_<suffix>` (idx, key, fkey, check). */
export const defaultObjectName = (table: string, parts: readonly string[], suffix: string): string =>
  fitIdentifier([table, ...parts].join('_'), `_${suffix}`);

/** add-check's default: `<table>_<first 8 hex digits of sha256(check)>_check`, so the same expression always gets the same name. */
export function defaultCheckName(table: string, check: string): string {
  const hash = createHash('sha256').update(check).digest('hex').slice(0, 8);
  return defaultObjectName(table, [hash], 'check');
}

/** The temporary objects of pre-flight's probes: session-private, and gone when the probe's transaction rolls back. */
export const probeNames = {
  /** add-foreign-key: the copies of the referenced and the referencing table. */
  referencedCopy: 'online_fk_referenced',
  referencingCopy: 'online_fk_referencing',
  /** create-table: the table itself, and the copy of each referenced table (`<prefix><i>`). */
  newTableCopy: 'online_ct_probe',
  referenceCopyPrefix: 'online_ct_ref_',
  /** create-index, add-unique: the copy the index is built on, and the index. */
  indexCopy: 'online_index_probe',
  indexCopyIndex: 'online_index_probe_idx',
  /** change-type, rename-column: the copy with the shadow columns, its index, a type probe column and CHECK. */
  shadowCopy: 'online_shadow_probe',
  shadowCopyIndex: 'online_shadow_probe_idx',
  shadowCopyTypeColumn: 'online_type_probe',
  shadowCopyCheck: 'online_probe_check',
  /** attach-partition, create-partition: the copy of the partitioned parent, its partitions (`<prefix><i>`) and the new one. */
  partitionedCopy: 'online_partition_probe',
  partitionCopyPrefix: 'online_partition_probe_',
  newPartitionCopy: 'online_partition_probe_new',
} as const;
