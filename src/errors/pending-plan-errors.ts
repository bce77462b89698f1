// Errors of `plan --pending`: a pending spec that does not pre-flight against the live database.
import { OnlineError, type ExitCode } from './online-error.js';

export class PendingPlanError extends OnlineError {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    const known = cause instanceof OnlineError;
    const exitCode: ExitCode = known ? cause.exitCode : 1;
    const message = cause instanceof Error ? cause.message : String(cause);
    super(known ? cause.code : 'PLAN_FAILED', `${file} (planned against the live database; nothing was changed): ${message}`, exitCode, {
      cause,
    });
  }
}
