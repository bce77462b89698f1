// A user's SQL over a row, evaluated against a record (NEW in a trigger, a row-typed parameter in a
// function): the record is expanded into a one-row derived table, so column names in the expression
// resolve to its fields exactly as they do over the table in a backfill's SET.

/** `(select (<expression>) from (select <row>.*) as online_row)`. */
export const overRow = (expression: string, row: string): string => `(select (${expression}) from (select ${row}.*) as online_row)`;
