// The one registry of compared approaches, in report order; (a) is the reference for the ratios.
import type { Approach } from './approach.js';
import { offsetBatches } from './offset-batches.js';
import { onlineBackfill } from './online-backfill.js';
import { pgrollStyle } from './pgroll-style.js';
import { singleUpdate } from './single-update.js';

export const approachIds = ['a', 'b', 'c', 'd', 'e'] as const;
export type ApproachId = (typeof approachIds)[number];

export const onlineDefaults = onlineBackfill('d', '(d) online, defaults (adaptive, 100 ms target)', {});

export const approaches: Readonly<Record<ApproachId, Approach>> = {
  a: singleUpdate,
  b: offsetBatches,
  c: pgrollStyle,
  d: onlineDefaults,
  e: onlineBackfill('e', '(e) online, concurrency 2', { concurrency: 2 }),
};
