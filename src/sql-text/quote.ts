// The one place identifiers are quoted and SQL text is spliced. Everything else uses tagged templates.

/** A schema-qualified relation name, unquoted. */
export interface QualifiedName {
  readonly schema: string;
  readonly name: string;
}

/** Quotes an identifier the way PostgreSQL's quote_ident does, always (so case and keywords are kept). */
export function quoteIdent(identifier: string): string {
  if (identifier.length === 0) throw new Error('empty identifier');
  if (identifier.includes('\u0000')) throw new Error('identifier contains a NUL byte');
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** Whether two names are the same relation. */
export function sameName(a: QualifiedName, b: QualifiedName): boolean {
  return a.schema === b.schema && a.name === b.name;
}

export function quoteQualified(name: QualifiedName): string {
  return `${quoteIdent(name.schema)}.${quoteIdent(name.name)}`;
}

/** `schema.name` for messages: quoted only where needed to read unambiguously. */
export function displayName(name: QualifiedName): string {
  const show = (part: string): string => (/^[a-z_][a-z0-9_$]*$/.test(part) ? part : quoteIdent(part));
  return `${show(name.schema)}.${show(name.name)}`;
}
