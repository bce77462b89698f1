// When each step, backfill task and migration of a rehearsal ran, from the run's own events: a lock seen
// at a time belongs to the step running then. (The copy is a local server: its clock is ours.)
import type { OnlineEvent } from '../events.js';
import type { OperationPlan } from '../plan/plan.js';
import type { StepPhase } from './rehearsal-report.js';

export interface RunWindow {
  readonly migration: string;
  readonly phase: StepPhase;
  /** 1-based within its phase; null for backfill and other. */
  readonly index: number | null;
  readonly description: string;
  readonly kind: 'locked' | 'concurrent' | 'backfill' | 'other';
  readonly start: number;
  readonly end: number;
}

/** Turns the run's events into windows: `event` for each, `migrationStarted`/`migrationEnded` around each migration, then `resolveKinds`. */
export class RunWindows {
  readonly #steps: RunWindow[] = [];
  readonly #migrations: RunWindow[] = [];
  readonly #backfills = new Map<string, number>();
  #current: { readonly migration: string; readonly start: number } | undefined;

  migrationStarted(migration: string): void {
    this.#current = { migration, start: Date.now() };
  }

  migrationEnded(): void {
    const current = this.#current;
    if (current === undefined) return;
    this.#migrations.push({
      ...current,
      phase: 'other',
      index: null,
      description: 'statements outside the plan',
      kind: 'other',
      end: Date.now(),
    });
    this.#current = undefined;
  }

  event(event: OnlineEvent): void {
    const now = Date.now();
    if (event.type === 'step' && !event.skipped && (event.phase === 'expand' || event.phase === 'contract')) {
      this.#steps.push({
        migration: event.migration,
        phase: event.phase,
        index: event.index + 1,
        description: event.description,
        kind: 'locked',
        start: now - event.durationMs,
        end: now,
      });
    }
    if (event.type === 'backfill-start') this.#backfills.set(`${event.migration}/${event.task}`, now);
    if (event.type === 'backfill-done') {
      const start = this.#backfills.get(`${event.migration}/${event.task}`) ?? now - event.seconds * 1000;
      this.#steps.push({
        migration: event.migration,
        phase: 'backfill',
        index: null,
        description: `backfill ${event.task}`,
        kind: 'backfill',
        start,
        end: now,
      });
    }
  }

  /** Gives each step the kind its plan says (`concurrent` index builds); call once the plans are known. */
  resolveKinds(plans: (migration: string) => OperationPlan | undefined): void {
    for (const [i, w] of this.#steps.entries()) {
      if ((w.phase !== 'expand' && w.phase !== 'contract') || w.index === null) continue;
      this.#steps[i] = { ...w, kind: plans(w.migration)?.[w.phase][w.index - 1]?.kind ?? 'locked' };
    }
  }

  /** The step running at `at` (server ms), else the migration running then, else the last migration. */
  at(at: number): RunWindow | undefined {
    const inside = (w: RunWindow): boolean => w.start - slackMs <= at && at <= w.end + slackMs;
    return this.#steps.find(inside) ?? this.#migrations.find(inside) ?? this.#migrations.at(-1);
  }

  /** Each migration's window (its `other` step: statements outside the plan). */
  migrations(): readonly RunWindow[] {
    return this.#migrations;
  }

  /** Every step window, in order of start. */
  steps(): readonly RunWindow[] {
    return [...this.#steps].sort((a, b) => a.start - b.start);
  }
}

/** Clock and event-delivery jitter between the server's samples and our events. */
const slackMs = 2;
