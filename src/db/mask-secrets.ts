// Keeps passwords out of every message: URLs are shown without them, known secrets are blanked.

/** The URL with its password replaced by `***` (also for unparseable URLs, best effort). */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    const params = parsed.searchParams;
    for (const key of ['password', 'sslpassword']) if (params.has(key)) params.set(key, '***');
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}

/** The password part of a connection URL, if any, decoded. */
export function passwordOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    const fromQuery = parsed.searchParams.get('password');
    if (parsed.password !== '') return decodeURIComponent(parsed.password);
    return fromQuery ?? undefined;
  } catch {
    return undefined;
  }
}

/** Replaces each secret (and any URL-embedded password) in the text with `***`. */
export function maskSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let masked = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@');
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 3) masked = masked.split(secret).join('***');
  }
  return masked;
}
