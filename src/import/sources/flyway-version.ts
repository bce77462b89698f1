// Flyway's migration versions: `1`, `1.1`, `1_1` (an underscore is a dot), `2025.01.15.1`; compared part by
// part as integers, a missing part counting as 0 (so 1 = 1.0, V2 < V10, V1.1 < V1.2 < V2), as Flyway's MigrationVersion does.

export type FlywayVersion = readonly bigint[];

/** The version's parts, or undefined when it is not one Flyway accepts. */
export function parseFlywayVersion(text: string): FlywayVersion | undefined {
  const dotted = text.replaceAll('_', '.');
  if (!/^\d+(\.\d+)*$/.test(dotted)) return undefined;
  return dotted.split('.').map((part) => BigInt(part));
}

export function compareFlywayVersions(a: FlywayVersion, b: FlywayVersion): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0n;
    const y = b[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Flyway's display of a version: its parts joined by dots, trailing zero parts dropped (`1.0` → `1`). */
export function flywayVersionText(version: FlywayVersion): string {
  const parts = [...version];
  while (parts.length > 1 && parts.at(-1) === 0n) parts.pop();
  return parts.join('.');
}
