// PostgreSQL's table lock modes and which of them conflict (the table in the docs' "Explicit Locking").
export const lockModes = [
  'access share',
  'row share',
  'row exclusive',
  'share update exclusive',
  'share',
  'share row exclusive',
  'exclusive',
  'access exclusive',
] as const;

export type LockMode = (typeof lockModes)[number];

const conflicts: Readonly<Record<LockMode, readonly LockMode[]>> = {
  'access share': ['access exclusive'],
  'row share': ['exclusive', 'access exclusive'],
  'row exclusive': ['share', 'share row exclusive', 'exclusive', 'access exclusive'],
  'share update exclusive': ['share update exclusive', 'share', 'share row exclusive', 'exclusive', 'access exclusive'],
  share: ['row exclusive', 'share update exclusive', 'share row exclusive', 'exclusive', 'access exclusive'],
  'share row exclusive': ['row exclusive', 'share update exclusive', 'share', 'share row exclusive', 'exclusive', 'access exclusive'],
  exclusive: ['row share', 'row exclusive', 'share update exclusive', 'share', 'share row exclusive', 'exclusive', 'access exclusive'],
  'access exclusive': lockModes,
};

export function conflictsWith(mode: LockMode): readonly LockMode[] {
  return conflicts[mode];
}

/**
 * The weakest mode that blocks everything `a` and `b` block: holding it, a later request for either
 * in the same transaction is granted at once. (SHARE UPDATE EXCLUSIVE and SHARE together need SHARE
 * ROW EXCLUSIVE: neither covers the other.)
 */
export function strongerMode(a: LockMode, b: LockMode): LockMode {
  const needed = new Set([...conflicts[a], ...conflicts[b]]);
  return lockModes.find((m) => [...needed].every((n) => conflicts[m].includes(n))) ?? 'access exclusive';
}

/** `share row exclusive` → `ShareRowExclusiveLock`, as pg_locks.mode spells it. */
export function pgLocksMode(mode: LockMode): string {
  return `${mode.replace(/(^| )([a-z])/g, (_, _space: string, letter: string) => letter.toUpperCase())}Lock`;
}
