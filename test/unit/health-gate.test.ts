// The health gate trips above a limit, holds until the reading drops to 80% of it, and says why.
import { describe, expect, it } from 'vitest';
import { HealthGate, type HealthLimits, type HealthReading } from '../../src/throttle/health-gate.js';

const GB = 1024 ** 3;
const noLimits: HealthLimits = { maxReplicationLagMs: null, maxRetainedWalBytes: null, maxActiveSessions: null };
const quiet: HealthReading = { replicationLagMs: null, retainedWalBytes: null, activeSessions: null, throttleQuery: null };

function lag(ms: number | null): HealthReading {
  return { ...quiet, replicationLagMs: ms };
}

describe('HealthGate', () => {
  it('lets batches run while every reading is within its limit', () => {
    const gate = new HealthGate({ maxReplicationLagMs: 10_000, maxRetainedWalBytes: GB, maxActiveSessions: 50 });
    expect(gate.update({ replicationLagMs: 10_000, retainedWalBytes: GB, activeSessions: 50, throttleQuery: false })).toBeNull();
  });

  it('trips above the limit, stays tripped between 80% and 100%, releases at 80%', () => {
    const gate = new HealthGate({ ...noLimits, maxReplicationLagMs: 10_000 });
    expect(gate.update(lag(9_000))).toBeNull();
    expect(gate.update(lag(14_000))).toBe('replication lag 14s > 10s');
    expect(gate.update(lag(10_000))).toBe('replication lag 10s, resumes at 8s (limit 10s)');
    expect(gate.update(lag(8_001))).toBe('replication lag 8s, resumes at 8s (limit 10s)');
    expect(gate.update(lag(8_000))).toBeNull();
    expect(gate.update(lag(9_999))).toBeNull();
    expect(gate.update(lag(10_001))).toBe('replication lag 10s > 10s');
  });

  it('honours a custom release fraction', () => {
    const gate = new HealthGate({ ...noLimits, maxActiveSessions: 100 }, 0.5);
    const sessions = (n: number): HealthReading => ({ ...quiet, activeSessions: n });
    expect(gate.update(sessions(101))).toBe('active sessions 101 > 100');
    expect(gate.update(sessions(51))).toBe('active sessions 51, resumes at 50 (limit 100)');
    expect(gate.update(sessions(50))).toBeNull();
  });

  it('formats retained WAL with byte units', () => {
    const gate = new HealthGate({ ...noLimits, maxRetainedWalBytes: GB });
    expect(gate.update({ ...quiet, retainedWalBytes: 2.1 * GB })).toBe('WAL retained by replication slots 2.1 GB > 1 GB');
    expect(gate.update({ ...quiet, retainedWalBytes: 0.9 * GB })).toBe(
      'WAL retained by replication slots 921.6 MB, resumes at 819.2 MB (limit 1 GB)',
    );
  });

  it('joins several reasons with "; " and includes the throttle query', () => {
    const gate = new HealthGate({ maxReplicationLagMs: 10_000, maxRetainedWalBytes: GB, maxActiveSessions: 50 });
    expect(gate.update({ replicationLagMs: 14_000, retainedWalBytes: 2 * GB, activeSessions: 55, throttleQuery: true })).toBe(
      'replication lag 14s > 10s; WAL retained by replication slots 2 GB > 1 GB; active sessions 55 > 50; throttle query returned true',
    );
  });

  it('throttles exactly while the throttle query returns true, without hysteresis', () => {
    const gate = new HealthGate(noLimits);
    expect(gate.update({ ...quiet, throttleQuery: true })).toBe('throttle query returned true');
    expect(gate.update({ ...quiet, throttleQuery: false })).toBeNull();
    expect(gate.update({ ...quiet, throttleQuery: null })).toBeNull();
  });

  it('ignores readings for which there is no limit', () => {
    const gate = new HealthGate(noLimits);
    expect(gate.update({ replicationLagMs: 1e9, retainedWalBytes: 1e15, activeSessions: 1e6, throttleQuery: null })).toBeNull();
  });

  it('ignores null readings, and a null reading clears a tripped limit instead of holding it forever', () => {
    const gate = new HealthGate({ ...noLimits, maxReplicationLagMs: 10_000 });
    expect(gate.update(lag(null))).toBeNull();
    expect(gate.update(lag(20_000))).not.toBeNull();
    expect(gate.update(lag(null))).toBeNull();
    expect(gate.update(lag(9_000))).toBeNull();
  });

  it('formats lag below a second and above a minute', () => {
    const gate = new HealthGate({ ...noLimits, maxReplicationLagMs: 500 });
    expect(gate.update(lag(800))).toBe('replication lag 800ms > 500ms');
    expect(gate.update(lag(125_000))).toBe('replication lag 2m5s > 500ms');
  });

  it('rejects a release fraction outside (0, 1]', () => {
    expect(() => new HealthGate(noLimits, 0)).toThrow(RangeError);
    expect(() => new HealthGate(noLimits, 1.2)).toThrow(RangeError);
  });
});
