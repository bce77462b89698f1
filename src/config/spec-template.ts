// The text of a new spec file (`online new`): a schema reference for editors, how the phases run, and
// commented templates of the common operations. `operations: []` is deliberately left empty: the
// untouched file fails validation with "operations: must list at least one operation", so a spec
// nobody filled in can never be applied by accident. Template lines start with `#   `; removing the
// leading `# ` gives valid YAML under `operations:` (a unit test parses them all as one spec). A
// description that creates a table gets its create-table operation instead (create-table-template.ts).
import { createTableOperations } from './create-table-template.js';

export interface SpecTemplateInput {
  /** The migration name: the file name without its extension. */
  readonly name: string;
  readonly description: string;
  /** The path of online.schema.json relative to the spec's directory. */
  readonly schemaRef: string;
  /** The table the description creates (see tableToCreate): the file holds its create-table operation. */
  readonly table?: string;
}

const phases = `# How online runs it (every step and batch is recorded; an interrupted run resumes where it stopped):
#   expand    additive changes only (new columns, sync triggers, NOT VALID constraints, concurrent
#             indexes), each statement under a short lock_timeout with retries: the running
#             application keeps working.                                   (online start / migrate)
#   backfill  existing rows in small keyset batches, throttled on replica lag and load, resumable.
#   contract  after the application version that uses the new shape is deployed: validate, SET NOT
#             NULL, swap, drop what is no longer used.    (online complete / migrate --contract)
#   rollback  undoes expand, until contract has run.                       (online rollback)
# Review the SQL of every phase with \`online plan <this file>\`.`;

const operationTemplates = `# Templates of the common operations: remove the leading "# " of the lines of one (keep the
# indentation) under \`operations:\`, drop the [], and edit. Hover a field for its description.
#
#   - op: add-column            # expand: nullable column + fill triggers; contract: NOT NULL, default
#     table: tickets
#     column: priority
#     type: text
#     default: "'normal'"       # SQL expression
#     backfill: "CASE WHEN escalated THEN 'high' ELSE 'normal' END"   # SQL over the row, for existing rows
#     nullable: false
#
#   - op: create-index          # CREATE INDEX CONCURRENTLY: reads and writes continue
#     table: tickets
#     columns: [status, created_at]
#     where: "status <> 'closed'"   # optional: a partial index
#
#   - op: add-foreign-key       # expand: NOT VALID; contract: VALIDATE, which blocks no writes
#     table: tickets
#     columns: [assigned_user_id]
#     references: { table: users, columns: [id] }
#     onDelete: set null
#
#   - op: set-not-null          # validated CHECK first, then SET NOT NULL without a table scan
#     table: tickets
#     column: priority
#     backfill: "'normal'"      # optional: fills existing NULLs first
#
#   - op: change-type           # shadow column kept in sync and backfilled, swapped in contract
#     table: tickets
#     column: id
#     type: bigint
#     using: "id::bigint"       # optional: SQL over the row giving the new value
#
#   - op: rename-column         # a synced copy under the new name until contract
#     table: tickets
#     column: customer_email
#     to: requester_email
#
#   - op: drop-column           # contract only: deploy code that no longer uses the column first
#     table: tickets
#     column: legacy_flag
#
#   - op: backfill              # a data migration in throttled, resumable batches
#     table: tickets
#     set: { status: "upper(status)" }
#     where: "status <> upper(status)"
#
#   - op: sql                   # raw SQL at one phase, in one transaction under lock_timeout
#     phase: expand
#     sql: "comment on table tickets is 'support tickets'"
#     rollback: "comment on table tickets is null"`;

export function renderSpecTemplate(input: SpecTemplateInput): string {
  const description = input.description.replace(/\s+/g, ' ').trim();
  const head = `# yaml-language-server: $schema=${input.schemaRef}
# ${description}
#
${phases}
#`;
  if (input.table !== undefined) {
    return `${head}
# Until \`columns\` lists at least one column this file is invalid: \`online check\` and
# \`online migrate\` reject it with "columns: needs at least one column".
name: ${input.name}
${createTableOperations(input.table)}
`;
  }
  return `${head}
# Until \`operations\` lists at least one operation this file is invalid: \`online check\` and
# \`online migrate\` reject it with "operations: must list at least one operation".
name: ${input.name}
operations: []

${operationTemplates}
`;
}
