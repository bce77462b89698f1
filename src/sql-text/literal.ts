// A string constant for DDL, which takes no bound parameters: only literals the grammar already parsed
// (a partition bound's values) are written back through here, always as standard SQL strings.

/** `'it''s'`: single quotes doubled (standard_conforming_strings on: a backslash is an ordinary character). */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error('literal contains a NUL byte');
  return `'${value.replaceAll("'", "''")}'`;
}
