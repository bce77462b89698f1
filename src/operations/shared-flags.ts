// The `online start <op>` flags several operations share, declared once so each has one help line.
// A flag only one operation takes is declared in that operation's file.

export const schemaFlag = { flag: 'schema', field: ['schema'], value: 'text', summary: 'Schema of the table. [default: public]' } as const;

export const tableFlag = { flag: 'table', field: ['table'], value: 'text', summary: 'Table to change.' } as const;

export const columnFlag = {
  flag: 'column',
  field: ['column'],
  value: 'text',
  summary: 'Column to add, change, rename or drop (add-column, set-not-null, change-type, rename-column, drop-column).',
} as const;

export const typeFlag = {
  flag: 'type',
  field: ['type'],
  value: 'text',
  summary: 'SQL type of the new column (add-column), or the new type (change-type).',
} as const;

export const defaultFlag = {
  flag: 'default',
  field: ['default'],
  value: 'text',
  summary: 'SQL default expression (add-column), or the new default (change-type).',
} as const;

export const backfillFlag = {
  flag: 'backfill',
  field: ['backfill'],
  value: 'text',
  summary: 'SQL expression over the row that fills existing rows (add-column, set-not-null).',
} as const;

export const nameFlag = {
  flag: 'name',
  field: ['name'],
  value: 'text',
  summary: 'Name of the index or constraint (default: derived); the index to drop (drop-index).',
} as const;

export const columnsFlag = {
  flag: 'columns',
  field: ['columns'],
  value: 'comma-list',
  summary: 'Comma-separated columns (create-index, add-unique, add-foreign-key); "name type, …" for create-table.',
} as const;

export const usingFlag = {
  flag: 'using',
  field: ['using'],
  value: 'text',
  summary:
    'Index method: btree, hash, gin, gist, brin or spgist (create-index); SQL expression over the row giving the new value (change-type).',
} as const;

export const whereFlag = {
  flag: 'where',
  field: ['where'],
  value: 'text',
  summary: 'Predicate of a partial index (create-index); which rows need work (backfill).',
} as const;

export const cascadeFlag = {
  flag: 'cascade',
  field: ['cascade'],
  value: 'true-when-given',
  summary: 'Also drop the views, constraints and foreign keys that depend on it (drop-column, drop-table).',
} as const;

export const partitionFlag = {
  flag: 'partition',
  field: ['partition'],
  value: 'text',
  summary: 'The partition: the table to attach (attach-partition), to detach (detach-partition), or to create (create-partition).',
} as const;

export const boundFlag = {
  flag: 'bound',
  field: ['bound'],
  value: 'text',
  summary: `Partition bound, as PostgreSQL writes it: "for values from ('2026-01-01') to ('2026-02-01')", "for values in ('eu')", "default" (attach-partition, create-partition).`,
} as const;
