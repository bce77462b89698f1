// The run settings, one row each: the option key (stored with the migration), the flag, the config
// key, how both spell a value, the option's zod parser with its default, and the description. The
// run options' zod schema, the run flags and the config file's schema are all generated from it.
import { z } from 'zod';
import { isTimeZone, localTimeZone, parseWindow } from '../throttle/schedule-window.js';
import type { InputValues, SettingInput } from './setting-input.js';
import { defaultMaxConcurrency, workerCount, workerLimit } from './worker-count.js';

/** The groups of `online start --help` (by title) and the sections of the config file (by key, with a description). */
export const runSettingGroupInfo = {
  backfill: { title: 'BATCH SIZING', description: 'Batch sizing: the flags of the BATCH SIZING group of `online start --help`' },
  throttle: { title: 'THROTTLE', description: 'Throttling and health limits: the flags of the THROTTLE group' },
  schedule: { title: 'SCHEDULE', description: 'Maintenance windows and time limits: the flags of the SCHEDULE group' },
  locks: { title: 'LOCKS', description: 'Lock behaviour of DDL and batches: the flags of the LOCKS group' },
} as const;
export type RunSettingGroup = keyof typeof runSettingGroupInfo;
export const runSettingGroups = Object.keys(runSettingGroupInfo) as RunSettingGroup[];

export interface RunSetting<
  F extends string = string,
  C extends string = string,
  V extends z.ZodType = z.ZodType,
  I extends SettingInput = SettingInput,
> {
  /** `--<flag>` on the command line. */
  readonly flag: F;
  /** The key in the config file's section `group`. */
  readonly configKey: C;
  readonly group: RunSettingGroup;
  /** How the flag and the config file spell a value. */
  readonly input: I;
  /** The option's value as stored, with its built-in default. */
  readonly value: V;
  /** The flag's help; the config schema's description. */
  readonly description: string;
  /** The setting this one only qualifies: it is not taken from the config or the stored options when that one is given. */
  readonly qualifies?: string;
  /** For a setting without a fixed default: an example, shown commented out in the config `online init` writes. */
  readonly example?: string;
}

const setting = <const F extends string, const C extends string, V extends z.ZodType, I extends SettingInput>(
  row: RunSetting<F, C, V, I>,
): RunSetting<F, C, V, I> => row;

const windowText = z.string().superRefine((text, ctx) => {
  try {
    parseWindow(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
  }
});

const optionalLimit = z.number().int().min(1).nullable();

export const runSettings = {
  /** The first batch's size; adaptive sizing moves it toward targetBatchMs within [min, max]. */
  batchSize: setting({
    flag: 'batch-size',
    configKey: 'batch-size',
    group: 'backfill',
    input: { kind: 'count', min: 1 },
    value: z.number().int().min(1).max(1_000_000).default(1_000),
    description: 'Rows in the first batch; adaptive sizing moves it. [default: 1000]',
  }),
  /** Server-side execution time each batch aims for: it bounds how long a row lock can delay the application. */
  targetBatchMs: setting({
    flag: 'target-batch-ms',
    configKey: 'target-batch-ms',
    group: 'backfill',
    input: { kind: 'duration', bareUnit: 'ms' },
    value: z.number().int().min(1).max(600_000).default(100),
    description: 'Server-side time each batch aims for (bounds row-lock waits), e.g. 100ms; a bare number is ms. [default: 100ms]',
  }),
  minBatchSize: setting({
    flag: 'min-batch-size',
    configKey: 'min-batch-size',
    group: 'backfill',
    input: { kind: 'count', min: 1 },
    value: z.number().int().min(1).max(1_000_000).default(10),
    description: 'Smallest batch. Set min = max for a fixed size. [default: 10]',
  }),
  maxBatchSize: setting({
    flag: 'max-batch-size',
    configKey: 'max-batch-size',
    group: 'backfill',
    input: { kind: 'count', min: 1 },
    value: z.number().int().min(1).max(1_000_000).default(50_000),
    description: 'Largest batch. [default: 50000]',
  }),
  /** Per batch statement; a batch that hits it is retried at half size. */
  statementTimeoutMs: setting({
    flag: 'statement-timeout',
    configKey: 'statement-timeout',
    group: 'backfill',
    input: { kind: 'duration' },
    value: z.number().int().min(1).max(86_400_000).default(30_000),
    description: 'Per batch; a batch that hits it is retried at half size. [default: 30s]',
  }),
  /** Parallel key ranges, each with its own cursor and connection; `auto` adds workers while they pay. */
  concurrency: setting({
    flag: 'concurrency',
    configKey: 'concurrency',
    group: 'backfill',
    input: { kind: 'workers' },
    value: workerCount.default(1),
    description:
      'Parallel range workers, each with its own cursor and connection (an idle one splits the busiest range): N, or auto (start with 1, add one while rows/s rises and health allows, up to --max-concurrency). [default: 1]',
  }),
  /** With concurrency auto: the most workers it may add; null: defaultMaxConcurrency. Refused without auto. */
  maxConcurrency: setting({
    flag: 'max-concurrency',
    configKey: 'max-concurrency',
    group: 'backfill',
    input: { kind: 'count', min: 0, max: workerLimit, zeroMeansNone: true },
    value: z.number().int().min(1).max(workerLimit).nullable().default(null),
    qualifies: 'concurrency',
    description: `Most workers --concurrency auto may run (only with auto); 0 = the default. [default: ${defaultMaxConcurrency}]`,
  }),
  /**
   * Page a backfill whose triggers fill every row writers write by ctid page ranges (TID range scans),
   * not by its key: no index is read to find a batch's rows. Opt-in: it is only as safe as that premise
   * (README, "Page ranges or the key"). False: the key (keyless tables excepted).
   */
  pageRanges: setting({
    flag: 'page-ranges',
    configKey: 'page-ranges',
    group: 'backfill',
    input: { kind: 'switch' },
    value: z.boolean().default(false),
    description:
      'Batch over ctid page ranges (TID range scans, PostgreSQL 14+) instead of the key where triggers fill every row writers write (add-column with backfill, set-not-null, change-type): no index is read per batch, but it is only safe when every writer fires triggers and the expression reads only its row (see the README). [default: off]',
  }),
  maxRowsPerSecond: setting({
    flag: 'max-rows-per-second',
    configKey: 'max-rows-per-second',
    group: 'throttle',
    input: { kind: 'count', min: 0, zeroMeansNone: true },
    value: optionalLimit.default(null),
    description: 'Rate cap over all ranges (token bucket); 0 = none. [default: unlimited]',
  }),
  pauseMs: setting({
    flag: 'pause-ms',
    configKey: 'pause-ms',
    group: 'throttle',
    input: { kind: 'count', min: 0 },
    value: z.number().int().min(0).max(3_600_000).default(0),
    description: 'Milliseconds to sleep between batches. [default: 0]',
  }),
  maxReplicationLagMs: setting({
    flag: 'max-replication-lag',
    configKey: 'max-replication-lag',
    group: 'throttle',
    input: { kind: 'duration', zeroMeansNone: true },
    value: optionalLimit.default(10_000),
    description: 'Hold batches while a standby lags more, e.g. 10s; 0 = never. [default: 10s]',
  }),
  maxRetainedWalBytes: setting({
    flag: 'max-retained-wal',
    configKey: 'max-retained-wal',
    group: 'throttle',
    input: { kind: 'size', zeroMeansNone: true },
    value: optionalLimit.default(null),
    description: 'Hold batches while a replication slot retains more WAL, e.g. 5GB; 0 = never. [default: unlimited]',
  }),
  maxActiveSessions: setting({
    flag: 'max-active-sessions',
    configKey: 'max-active-sessions',
    group: 'throttle',
    input: { kind: 'count', min: 0, zeroMeansNone: true },
    value: optionalLimit.default(null),
    description: 'Hold batches while more other sessions are active; 0 = never. [default: unlimited]',
  }),
  /** SQL returning one boolean: the run throttles while it returns true. */
  throttleQuery: setting({
    flag: 'throttle-query',
    configKey: 'throttle-query',
    group: 'throttle',
    input: { kind: 'text', emptyMeansNone: true },
    value: z.string().trim().min(1).nullable().default(null),
    description: 'SQL returning one boolean; batches hold while it returns true. Runs read-only; "" removes a stored one.',
    example: "select count(*) > 50 from pg_stat_activity where state = 'active'",
  }),
  /** A floor under the rate throttles may hold the run to (src/throttle/progress-floor.ts); null: none. */
  minProgress: setting({
    flag: 'min-progress',
    configKey: 'min-progress',
    group: 'throttle',
    input: { kind: 'count', min: 0, zeroMeansNone: true },
    value: optionalLimit.default(null),
    description:
      'Rows per hour the backfill should cover at least: when throttles hold it below that for --min-progress-window, it warns (and see --min-progress-action); 0 = no floor. [default: none]',
  }),
  minProgressWindowMs: setting({
    flag: 'min-progress-window',
    configKey: 'min-progress-window',
    group: 'throttle',
    input: { kind: 'duration' },
    value: z.number().int().min(1_000).max(86_400_000).default(900_000),
    description:
      'The trailing window --min-progress is measured over (a pause or a closed window starts it again), e.g. 15m. [default: 15m]',
  }),
  minProgressAction: setting({
    flag: 'min-progress-action',
    configKey: 'min-progress-action',
    group: 'throttle',
    input: { kind: 'text' },
    value: z.enum(['warn', 'run']).default('warn'),
    description:
      'Below --min-progress: warn (an event and a line in `status`), or run (also run one batch of --min-batch-size anyway, as often as the floor needs, throttled or not). [default: warn]',
  }),
  /** How often the health probes run. */
  probeIntervalMs: setting({
    flag: 'probe-interval',
    configKey: 'probe-interval',
    group: 'throttle',
    input: { kind: 'duration' },
    value: z.number().int().min(100).max(600_000).default(2_000),
    description: 'How often the health probes and the throttle query run. [default: 2s]',
  }),
  /** Exit 3 when paused instead of idling. */
  exitOnPause: setting({
    flag: 'exit-on-pause',
    configKey: 'exit-on-pause',
    group: 'throttle',
    input: { kind: 'switch' },
    value: z.boolean().default(false),
    description: 'Exit 3 when paused (`online pause`) instead of idling.',
  }),
  /** `HH:MM-HH:MM` windows in `timezone`; empty = always. */
  windows: setting({
    flag: 'window',
    configKey: 'window',
    group: 'schedule',
    input: { kind: 'windows' },
    value: z.array(windowText).default([]),
    description: 'Run batches only in HH:MM-HH:MM (repeatable; may cross midnight); 00:00-24:00 = always.',
  }),
  /** IANA zone of the windows; default: this machine's zone when the migration starts (then stored). */
  timezone: setting({
    flag: 'timezone',
    configKey: 'timezone',
    group: 'schedule',
    input: { kind: 'text' },
    value: z.string().refine(isTimeZone, { message: 'is not a known IANA time zone (e.g. Europe/Berlin, UTC)' }).default(localTimeZone),
    description: "IANA time zone of --window. [default: this machine's zone]",
    example: 'Europe/Berlin',
  }),
  /** Exit 3 when outside the windows instead of waiting for the next one. */
  windowExit: setting({
    flag: 'window-exit',
    configKey: 'window-exit',
    group: 'schedule',
    input: { kind: 'switch' },
    value: z.boolean().default(false),
    description: 'Exit 3 outside the windows instead of waiting for the next one.',
  }),
  /** Stop (exit 3) after this long in one run. */
  maxDurationMs: setting({
    flag: 'max-duration',
    configKey: 'max-duration',
    group: 'schedule',
    input: { kind: 'duration', zeroMeansNone: true },
    value: optionalLimit.default(null),
    description: 'Stop (exit 3, resumable) after this long in one run, e.g. 2h; 0 = no limit.',
  }),
  lockTimeoutMs: setting({
    flag: 'lock-timeout',
    configKey: 'lock-timeout',
    group: 'locks',
    input: { kind: 'duration' },
    value: z.number().int().min(1).max(600_000).default(1_000),
    description: 'Longest wait for a lock per DDL attempt or batch, e.g. 1s or 500ms. [default: 1s]',
  }),
  lockRetries: setting({
    flag: 'lock-retries',
    configKey: 'lock-retries',
    group: 'locks',
    input: { kind: 'count', min: 1 },
    value: z.number().int().min(1).max(10_000).default(30),
    description: 'Attempts before failing with the blocking sessions named. [default: 30]',
  }),
  /**
   * Opt-in: once a strong-lock step has been retried this long (from its first attempt), the sessions
   * blocking it are cancelled between attempts, within the safety limits of db/blocker-safety.ts. Null: never.
   */
  cancelBlockersAfterMs: setting({
    flag: 'cancel-blockers-after',
    configKey: 'cancel-blockers-after',
    group: 'locks',
    input: { kind: 'duration', zeroMeansNone: true },
    value: z.number().int().min(1).max(86_400_000).nullable().default(null),
    description:
      "Once a DDL step has been retried this long (from its first attempt), cancel (pg_cancel_backend) the sessions blocking it, then retry; never a session running DDL or holding a lock stronger than ROW EXCLUSIVE, a superuser's, one over --max-blocker-writes, online's own, or one that is not a client backend. e.g. 30s; 0 = never (`resume --cancel-blockers-after 0` turns a stored one off). [default: never]",
    example: '30s',
  }),
  /** With cancelBlockersAfterMs: end blockers that are idle in transaction (a cancel does not reach them). */
  terminateBlockers: setting({
    flag: 'terminate-blockers',
    configKey: 'terminate-blockers',
    group: 'locks',
    input: { kind: 'switch' },
    value: z.boolean().default(false),
    description:
      'With --cancel-blockers-after: terminate (pg_terminate_backend) a blocker that is idle in transaction, whose locks a cancel would not release; without it such a blocker is left alone and named. [default: off]',
  }),
  /** With cancelBlockersAfterMs: superusers' sessions may be cancelled too. */
  cancelSuperuserBlockers: setting({
    flag: 'cancel-superuser-blockers',
    configKey: 'cancel-superuser-blockers',
    group: 'locks',
    input: { kind: 'switch' },
    value: z.boolean().default(false),
    description:
      "With --cancel-blockers-after: also cancel superusers' sessions (an administrator's, by default left alone). [default: off]",
  }),
  /** With cancelBlockersAfterMs: the most tables a blocker's transaction may have written to and still be cancelled (blocker-safety.ts counts them). */
  maxBlockerWrites: setting({
    flag: 'max-blocker-writes',
    configKey: 'max-blocker-writes',
    group: 'locks',
    input: { kind: 'count', min: 0 },
    value: z.number().int().min(0).max(10_000).default(0),
    description:
      'With --cancel-blockers-after: cancel only a blocker whose transaction has written to at most this many tables (those it holds ROW EXCLUSIVE on: INSERT, UPDATE, DELETE, MERGE; one that has a transaction id but no such table, e.g. after SELECT FOR UPDATE, counts 1). [default: 0, only transactions that wrote nothing]',
  }),
  /**
   * How long a run waits for a server that went away (restart, failover, our backend terminated)
   * before it gives up with exit 1; it then reconnects, retakes its lease and resumes. 0: give up at once.
   */
  reconnectTimeoutMs: setting({
    flag: 'reconnect-timeout',
    configKey: 'reconnect-timeout',
    group: 'locks',
    input: { kind: 'duration' },
    value: z.number().int().min(0).max(86_400_000).default(300_000),
    description:
      'How long to wait for a server that went away mid-run (restart, failover) before exit 1, e.g. 10m; 0 = do not wait. [default: 5m]',
  }),
  /**
   * Transactions, snapshots and vacuums open longer than this are live hazards: named at plan time and
   * before each lock step and concurrent index build (src/hazards). They warn; they never stop the run.
   */
  hazardAgeMs: setting({
    flag: 'hazard-age',
    configKey: 'hazard-age',
    group: 'locks',
    input: { kind: 'duration' },
    value: z.number().int().min(1).max(86_400_000).default(60_000),
    description:
      'Warn (before each lock step and index build) about transactions, snapshots and vacuums open longer than this, e.g. 30s; they make the step wait. [default: 1m]',
  }),
};

export type RunSettingsTable = typeof runSettings;
export type RunSettingKey = keyof RunSettingsTable;
export type FlagOf<K extends RunSettingKey> = RunSettingsTable[K]['flag'];
export type ConfigKeyOf<K extends RunSettingKey> = RunSettingsTable[K]['configKey'];
/** The value a flag or the config file gives for the setting, e.g. `"1s"` for lockTimeoutMs. */
export type InputOf<K extends RunSettingKey> = InputValues[RunSettingsTable[K]['input']['kind']];

/** The rows in table order: the order of the help, the config file and `online init`. */
export const runSettingRows = Object.entries(runSettings) as [RunSettingKey, RunSetting][];

export function runSettingOf(option: string): RunSetting | undefined {
  return Object.hasOwn(runSettings, option) ? runSettings[option as RunSettingKey] : undefined;
}
