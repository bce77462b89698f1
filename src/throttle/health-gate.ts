// Decides from periodic health readings whether backfill batches may run, with hysteresis: a limit trips
// above its value and releases only once the reading falls to releaseFraction × limit, so the gate doesn't flap.
import { formatBytes } from './byte-size.js';

export interface HealthLimits {
  readonly maxReplicationLagMs: number | null;
  readonly maxRetainedWalBytes: number | null;
  readonly maxActiveSessions: number | null;
}

export interface HealthReading {
  readonly replicationLagMs: number | null;
  readonly retainedWalBytes: number | null;
  readonly activeSessions: number | null;
  /** the --throttle-query result; null when there is none */
  readonly throttleQuery: boolean | null;
}

interface Gauge {
  readonly label: string;
  readonly read: (reading: HealthReading) => number | null;
  readonly format: (value: number) => string;
}

/** By the limit each is held to, in the order the reasons are given. */
const gauges: Readonly<Record<keyof HealthLimits, Gauge>> = {
  maxReplicationLagMs: { label: 'replication lag', read: (r) => r.replicationLagMs, format: formatLag },
  maxRetainedWalBytes: { label: 'WAL retained by replication slots', read: (r) => r.retainedWalBytes, format: formatBytes },
  maxActiveSessions: { label: 'active sessions', read: (r) => r.activeSessions, format: formatCount },
};
const limitKeys = Object.keys(gauges) as (keyof HealthLimits)[];

export class HealthGate {
  readonly #limits: HealthLimits;
  readonly #releaseFraction: number;
  readonly #tripped = new Set<keyof HealthLimits>();

  constructor(limits: HealthLimits, releaseFraction = 0.8) {
    if (!(releaseFraction > 0 && releaseFraction <= 1)) {
      throw new RangeError(`HealthGate: releaseFraction must be in (0, 1], got ${releaseFraction}`);
    }
    this.#limits = limits;
    this.#releaseFraction = releaseFraction;
  }

  /**
   * Returns the throttle reason, or null when batches may run. A limit trips when the reading exceeds it and
   * releases only when it drops to releaseFraction × limit or below. The throttle query throttles while it
   * returns true. A null reading (no standby, no slot, not measured) clears its limit: something we cannot
   * measure must not hold the backfill forever, and the next reading trips it again if needed.
   */
  update(reading: HealthReading): string | null {
    const reasons: string[] = [];
    for (const limitKey of limitKeys) {
      const reason = this.#check(limitKey, reading);
      if (reason !== null) reasons.push(reason);
    }
    if (reading.throttleQuery === true) reasons.push('throttle query returned true');
    return reasons.length === 0 ? null : reasons.join('; ');
  }

  #check(limitKey: keyof HealthLimits, reading: HealthReading): string | null {
    const gauge = gauges[limitKey];
    const limit = this.#limits[limitKey];
    const value = gauge.read(reading);
    if (limit === null || value === null) {
      this.#tripped.delete(limitKey);
      return null;
    }
    const release = limit * this.#releaseFraction;
    if (value > limit) this.#tripped.add(limitKey);
    else if (value <= release) this.#tripped.delete(limitKey);
    if (!this.#tripped.has(limitKey)) return null;
    if (value > limit) return overLimit(limitKey, value, limit);
    return `${gauge.label} ${gauge.format(value)}, resumes at ${gauge.format(release)} (limit ${gauge.format(limit)})`;
  }
}

/** A reading over its limit as the gate says it, e.g. `replication lag 14s > 10s` (--concurrency auto says it alike). */
export function overLimit(limitKey: keyof HealthLimits, value: number, limit: number): string {
  const gauge = gauges[limitKey];
  return `${gauge.label} ${gauge.format(value)} > ${gauge.format(limit)}`;
}

/** `14000` → `14s`, `1500` → `1.5s`, `800` → `800ms`, `125000` → `2m5s`. */
function formatLag(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1_000).toFixed(1))}s`;
  const totalSeconds = Math.round(ms / 1_000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}

function formatCount(n: number): string {
  return String(Number(n.toFixed(1)));
}
