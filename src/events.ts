// Typed progress events the library emits; the CLI draws them (bars, plain lines or NDJSON).
import type { MigrationPhase, MigrationStatus } from './state/migration-records.js';

export type OnlineEvent =
  | { readonly type: 'phase'; readonly migration: string; readonly phase: MigrationPhase }
  | {
      readonly type: 'step';
      readonly migration: string;
      readonly phase: MigrationPhase;
      readonly index: number;
      readonly description: string;
      /** Already recorded by an earlier run, so not executed again. */
      readonly skipped: boolean;
      readonly durationMs: number;
    }
  | {
      readonly type: 'lock-retry';
      readonly migration: string;
      readonly attempt: number;
      readonly attempts: number;
      readonly waitMs: number;
      readonly statement: string;
    }
  | {
      readonly type: 'backfill-start';
      readonly migration: string;
      readonly task: string;
      readonly rowsEstimated: number;
      readonly rowsDone: number;
      readonly resumed: boolean;
    }
  | {
      readonly type: 'batch';
      readonly migration: string;
      readonly task: string;
      readonly rowsDone: number;
      readonly rowsEstimated: number;
      readonly batchRows: number;
      readonly batchSize: number;
      readonly batchMs: number;
      readonly rowsPerSecond: number;
    }
  | { readonly type: 'backfill-done'; readonly migration: string; readonly task: string; readonly rowsDone: number; readonly seconds: number }
  | { readonly type: 'notice'; readonly message: string }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'finished'; readonly migration: string; readonly status: MigrationStatus };

export type EventListener = (event: OnlineEvent) => void;
