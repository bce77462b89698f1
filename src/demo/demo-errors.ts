// Errors of `online demo`: its checks failed (exit 1), or it was interrupted (exit 3).
import { OnlineError } from '../errors/index.js';
import type { DemoSummary } from './demo-summary.js';

export class DemoCheckFailedError extends OnlineError {
  constructor(readonly summary: DemoSummary) {
    const { traffic, checks } = summary;
    super(
      'DEMO_CHECK_FAILED',
      `the demo migration did not hold up: ${traffic.errors} traffic errors, ${checks.inconsistentRows} inconsistent rows, ` +
        `priority ${checks.columnNotNull ? 'is' : 'is not'} NOT NULL, ${checks.leftoverTriggers} leftover triggers`,
      1,
    );
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), summary: this.summary };
  }
}

export class DemoInterruptedError extends OnlineError {
  constructor(stage: string) {
    super('DEMO_INTERRUPTED', `the demo was interrupted while ${stage}; everything it started has been stopped`, 3);
  }
}
