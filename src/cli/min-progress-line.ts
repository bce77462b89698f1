// The line `status` and the progress output give a backfill that throttles held below --min-progress.
import { formatDuration } from '../settings/duration.js';
import { count } from './progress-numbers.js';

export interface BelowFloorFigures {
  readonly rowsInWindow: number;
  readonly floorRows: number;
  readonly windowMs: number;
  readonly rowsPerHour: number;
  readonly throttle: string;
  readonly forcedBatchEveryMs: number | null;
}

/** `below --min-progress (10,000 rows/h): 12 rows in the last 15m, floor 2,500; held by replication lag 14s > 10s; a batch of --min-batch-size runs anyway every 3.6s`. */
export function minProgressLine(b: BelowFloorFigures): string {
  const then =
    b.forcedBatchEveryMs === null
      ? '--min-progress-action run would run batches anyway'
      : `a batch of --min-batch-size runs anyway every ${(b.forcedBatchEveryMs / 1000).toFixed(1)}s`;
  return (
    `below --min-progress (${count(b.rowsPerHour)} rows/h): ${count(b.rowsInWindow)} rows in the last ${formatDuration(b.windowMs)}, ` +
    `floor ${count(b.floorRows)}; held by ${b.throttle}; ${then}`
  );
}
