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

/** Builds a PostgreSQL identifier of at most 63 bytes, keeping it unique with a short hash when cut. */
export function boundedIdentifier(base: string): string {
  if (Buffer.byteLength(base) <= 63) return base;
  let hash = 0;
  for (const ch of base) hash = (Math.imul(hash, 31) + (ch.codePointAt(0) ?? 0)) >>> 0;
  const suffix = `_${hash.toString(36)}`;
  // Cut whole code points, never half of a surrogate pair.
  const chars = Array.from(base);
  while (Buffer.byteLength(chars.join('')) + suffix.length > 63) chars.pop();
  return chars.join('') + suffix;
}
