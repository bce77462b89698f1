// Recognizes oclif's NonExistentFlagsError, which @oclif/core does not export, by its shape and message,
// and turns it into an error that names the flag the user meant.
import type { Command } from '@oclif/core';
import { UnknownFlagError } from '../errors/index.js';

/** The unknown flags as typed, without any `=value` (`--dry-runn`), when `err` is oclif's error for them. */
export function nonExistentFlags(err: Error): string[] | undefined {
  const flags: unknown = (err as Error & { flags?: unknown }).flags;
  if (!/^Nonexistent flags?: /.test(err.message) || !Array.isArray(flags)) return undefined;
  return flags.map((flag) => String(flag).replace(/=.*$/s, ''));
}

/** For a command's `catch`: the flag typo in `err`, with the nearest flags of the command (`ctor`, the command's class). */
export function unknownFlagError(err: Error, ctor: typeof Command, id: string | undefined): UnknownFlagError | undefined {
  const flags = nonExistentFlags(err);
  if (flags === undefined) return undefined;
  const known = [...Object.keys({ ...ctor.baseFlags, ...ctor.flags }), ...(ctor.enableJsonFlag ? ['json'] : []), 'help'];
  return new UnknownFlagError(flags, known, (id ?? '').split(':').join(' '));
}
