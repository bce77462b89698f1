// `online new "create tickets"`: a description that creates a table gets a create-table operation for
// it, with the table name filled in and commented placeholder columns and constraints. Like the
// general template it is refused untouched (`columns: []`: "needs at least one column"), so nothing
// nobody filled in is ever applied; removing the leading `# ` of the placeholders (and the `[]`) gives
// a valid spec (a unit test parses it, an integration test plans it).

/** Words after "create" that name something other than a table. */
const notTables = new Set([
  'index',
  'unique',
  'column',
  'columns',
  'constraint',
  'check',
  'foreign',
  'view',
  'trigger',
  'function',
  'type',
  'extension',
  'schema',
  'sequence',
  'table',
]);

const createsTable = /^\s*(create|add)\s+(?:(?:a|an|the)\s+)?(?:new\s+)?(table\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*$/i;

/**
 * The table a description creates (`create tickets`, `create table tickets`, `add table tickets`), lower
 * case; else undefined, and `new` writes the general template: also for several tables (`create tickets and
 * users`), a schema-qualified name (`create public.tickets`) or none (`create table`), never a wrong guess.
 */
export function tableToCreate(description: string): string | undefined {
  const match = createsTable.exec(description);
  if (match === null) return undefined;
  const [, verb = '', tableWord, name = ''] = match;
  // "add priority" adds a column; only "add table …" adds a table.
  if (verb.toLowerCase() === 'add' && tableWord === undefined) return undefined;
  const table = name.toLowerCase();
  return notTables.has(table) ? undefined : table.slice(0, 63);
}

/** How to fill it in, and the `operations:` of a create-table spec for `table`, placeholders commented. */
export function createTableOperations(table: string): string {
  return `# The placeholders below: remove the leading "# " of the lines you want (keep the indentation),
# drop the [] after columns:, and edit. Hover a field for its description.
operations:
  - op: create-table          # one step: the new table is invisible until it commits
    table: ${table}
    columns: []
    #   - name: id
    #     type: bigint
    #     nullable: false
    #     identity: always        # GENERATED ALWAYS AS IDENTITY
    #   - name: title
    #     type: text
    #     nullable: false
    #   - name: parent_id
    #     type: bigint
    #   - name: created_at
    #     type: timestamptz
    #     nullable: false
    #     default: now()         # SQL expression
    # primaryKey: [id]
    # unique:
    #   - [title, created_at]
    # checks:
    #   - check: "length(title) > 0"
    # foreignKeys:
    #   - columns: [parent_id]
    #     references: { table: ${table}, columns: [id] }
    #     onDelete: cascade`;
}
