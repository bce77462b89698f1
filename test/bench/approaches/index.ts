// The one registry of compared approaches, in report order. The single UPDATE is the reference of one
// ratio, the keyset loop of the other.
import type { Approach } from './approach.js';
import { ctidLoop } from './ctid-loop.js';
import { keysetLoop } from './keyset-loop.js';
import { keysetLoopWithTriggers } from './keyset-loop-triggers.js';
import { offsetBatches } from './offset-batches.js';
import { onlineFill } from './online-fill.js';
import { pgrollStyle } from './pgroll-style.js';
import { singleUpdate, singleUpdateOn } from './single-update.js';

export const onlineDefaults = onlineFill('online', 'online, defaults (adaptive, 100 ms target)');
const onlineConcurrency2 = onlineFill('online-c2', 'online --concurrency 2', { flags: ['--concurrency', '2'] });
const onlineConcurrency2Skewed = onlineFill('online-c2-skewed', 'online --concurrency 2, skewed table', {
  flags: ['--concurrency', '2'],
  table: 'skewed',
});
/** One worker on the skewed table: what the skewed table's two workers are measured against (its rows are heavier). */
const onlineSkewed = onlineFill('online-skewed', 'online, skewed table', { table: 'skewed' });
/** The uniform table's rows partitioned by month (12 + default): the same fills, for issue 16's comparison. */
const singleUpdatePartitioned = singleUpdateOn('update-partitioned', 'single UPDATE, partitioned table', 'partitioned');
const onlinePartitioned = onlineFill('online-partitioned', 'online, defaults, partitioned table', { table: 'partitioned' });
const onlineConcurrency2Partitioned = onlineFill('online-c2-partitioned', 'online --concurrency 2, partitioned table', {
  flags: ['--concurrency', '2'],
  table: 'partitioned',
});

const registry = [
  singleUpdate,
  keysetLoop,
  keysetLoopWithTriggers,
  ctidLoop,
  offsetBatches,
  pgrollStyle,
  onlineDefaults,
  onlineFill('online-pages', 'online --page-ranges (ctid page ranges, opt-in)', { flags: ['--page-ranges'] }),
  onlineConcurrency2,
  onlineFill('online-async', 'online, synchronous_commit=off for the database', { asyncCommit: true }),
  onlineSkewed,
  onlineConcurrency2Skewed,
  onlineFill('online-auto', 'online --concurrency auto --max-concurrency 4', {
    flags: ['--concurrency', 'auto', '--max-concurrency', '4'],
  }),
  singleUpdatePartitioned,
  onlinePartitioned,
  onlineConcurrency2Partitioned,
] as const;

export const approachIds: readonly string[] = registry.map((a) => a.id);
export const approaches: ReadonlyMap<string, Approach> = new Map(registry.map((a) => [a.id, a]));

export const referenceIds = { singleUpdate: singleUpdate.id, keyset: keysetLoop.id, keysetSameJob: keysetLoopWithTriggers.id } as const;
/**
 * Two workers on the skewed table and on the uniform one, whose speeds the report compares, and one
 * worker on each: the speed-up two workers bring on each table, whose ratio is free of the skewed
 * table's heavier rows.
 */
export const skewPair = {
  skewed: onlineConcurrency2Skewed.id,
  uniform: onlineConcurrency2.id,
  skewedSingle: onlineSkewed.id,
  uniformSingle: onlineDefaults.id,
} as const;

/**
 * Each fill on the partitioned table beside the same fill on the uniform one, in report order, and the
 * single UPDATE on the partitioned table, which the partitioned fills are also held against.
 */
export const partitionedComparison = {
  pairs: [
    { label: singleUpdate.label, partitioned: singleUpdatePartitioned.id, unpartitioned: singleUpdate.id },
    { label: onlineDefaults.label, partitioned: onlinePartitioned.id, unpartitioned: onlineDefaults.id },
    { label: onlineConcurrency2.label, partitioned: onlineConcurrency2Partitioned.id, unpartitioned: onlineConcurrency2.id },
  ],
  update: singleUpdatePartitioned.id,
} as const;

/** What `--approaches partitioned` stands for: each partitioned fill and the same fill on the uniform table. */
export const partitionedApproachIds: readonly string[] = partitionedComparison.pairs.flatMap((p) => [p.unpartitioned, p.partitioned]);

/** Run when --approaches is not given: all of them. */
export const defaultApproachIds: readonly string[] = approachIds;
/** Also run under the OLTP load by default: the references and online's two shapes, to keep a 1M-row run near 30 minutes. */
export const defaultLoadApproachIds: readonly string[] = [singleUpdate.id, keysetLoop.id, onlineDefaults.id, onlineConcurrency2.id];
