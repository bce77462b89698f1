// Errors of `online stop`: the run a stop request ended (exit 3, naming who asked and the next step).
import { StoppedError } from './run-errors.js';

/** Who asked for a stop: recorded with the request, named in the stopped worker's message. */
export interface StopRequester {
  readonly host: string;
  readonly pid: number;
  /** The operating-system user who ran `online stop`. */
  readonly user: string;
  /** ISO timestamp of the request. */
  readonly at: string;
}

/** `alice on deploy-1 (pid 4242) at 2026-12-01T20:40:00.000Z` */
export function describeRequester(by: StopRequester): string {
  return `${by.user} on ${by.host} (pid ${by.pid})${by.at === '' ? '' : ` at ${by.at}`}`;
}

/** What to run after a stop in `phase`: go on, or undo (a contract may be past its point of no return). */
export function nextAfterStop(migration: string, phase: string): string {
  if (phase === 'rollback') return `run \`online rollback ${migration}\` to finish the rollback`;
  if (phase === 'contract') {
    return `run \`online resume ${migration}\` to finish the contract, or \`online rollback ${migration}\` if it has not passed its point of no return`;
  }
  return `run \`online resume ${migration}\` to continue, or \`online rollback ${migration}\` to undo it`;
}

/** The worker ended at a batch or step boundary because `online stop` asked it to. */
export class StopRequestedError extends StoppedError {
  constructor(
    migration: string,
    readonly phase: string,
    readonly requestedBy: StopRequester,
  ) {
    super(migration, 'online stop');
    this.message =
      `migration "${migration}" stopped by \`online stop\` from ${describeRequester(requestedBy)}, in its ${phase} phase; ` +
      `the state is recorded: ${nextAfterStop(migration, phase)}`;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), phase: this.phase, requestedBy: this.requestedBy };
  }
}
