// What an example spec of examples/ says it needs before it plans on examples/tickets.sql: the SQL of
// its header's "e.g.:" lines, and each "apply examples/<file> first".
export interface ExampleNeeds {
  readonly sql: readonly string[];
  readonly applyFirst: readonly string[];
}

/** From the header comment: the `#   <sql>` lines after one ending in "e.g.:", and each "apply examples/<file> first". */
export function exampleNeeds(text: string): ExampleNeeds {
  const header = text.split('\n').filter((line) => line.startsWith('#'));
  const start = header.findIndex((line) => line.trimEnd().endsWith('e.g.:'));
  const sql = start < 0 ? [] : header.slice(start + 1).flatMap((line) => /^# {3}(\S.*)$/.exec(line)?.[1] ?? []);
  const applyFirst = [...header.join('\n').matchAll(/apply examples\/(\S+\.yaml) first/g)].map((match) => match[1] ?? '');
  return { sql, applyFirst };
}
