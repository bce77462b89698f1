// What a rehearsal calls a finding, given what it observed and the forecast; and how it reads `--sample`
// and the statements locked steps send.
import { describe, expect, it } from 'vitest';
import { statementFindings } from '../../src/rehearsal/lock-findings.js';
import type { RunWindow } from '../../src/rehearsal/run-windows.js';
import { parseSample } from '../../src/rehearsal/sample-option.js';
import type { StatementForecast } from '../../src/rehearsal/statement-forecast.js';
import { normalizeStatement } from '../../src/rehearsal/trace-assembly.js';
import type { TracedRelation } from '../../src/rehearsal/traced-relation.js';

const tickets: TracedRelation = { schema: 'public', name: 'tickets', kind: 'r', tableSchema: 'public', table: 'tickets', ancestors: [] };
const users: TracedRelation = { ...tickets, name: 'users', table: 'users' };
const leaf: TracedRelation = { ...tickets, name: 'events_2026', table: 'events_2026', ancestors: [{ schema: 'public', name: 'events' }] };
const step: RunWindow = { migration: 'm', phase: 'expand', index: 1, description: 'd', kind: 'locked', start: 0, end: 1 };
const statement = 'alter table tickets add column x int';
const forecast = (locks: StatementForecast['locks'], rewrites: StatementForecast['rewrites'] = false): StatementForecast => ({
  locks,
  rewrites,
  opaque: false,
});

const findings = (over: Partial<Parameters<typeof statementFindings>[0]>) =>
  statementFindings({ window: step, statement, forecast: undefined, locks: [], rewrites: [], maxLockHoldMs: 1000, ...over }).map(
    (f) => f.kind,
  );

describe('rehearsal findings', () => {
  it('a lock stronger than forecast; one as forecast or weaker is none', () => {
    const f = forecast([{ name: 'tickets', mode: 'share update exclusive' }]);
    expect(findings({ forecast: f, locks: [{ relation: tickets, mode: 'access exclusive', heldMs: 5 }] })).toEqual(['stronger-lock']);
    expect(findings({ forecast: f, locks: [{ relation: tickets, mode: 'share update exclusive', heldMs: 5 }] })).toEqual([]);
    expect(findings({ forecast: f, locks: [{ relation: tickets, mode: 'access share', heldMs: 5 }] })).toEqual([]);
  });

  it('a lock on a relation the forecast does not name, unless ACCESS SHARE; a partition is named by its parent', () => {
    const f = forecast([{ schema: 'public', name: 'tickets', mode: 'access exclusive' }]);
    expect(findings({ forecast: f, locks: [{ relation: users, mode: 'row share', heldMs: 1 }] })).toEqual(['unforecast-lock']);
    expect(findings({ forecast: f, locks: [{ relation: users, mode: 'access share', heldMs: 1 }] })).toEqual([]);
    const parent = forecast([{ name: 'events', mode: 'access exclusive' }]);
    expect(findings({ forecast: parent, locks: [{ relation: leaf, mode: 'access exclusive', heldMs: 1 }] })).toEqual([]);
  });

  it('every rewrite is a finding: unforecast-rewrite when not flagged, rewrite when flagged (yes or maybe)', () => {
    const rewrites = [{ table: 'public.tickets', reason: 'column type changed' }];
    expect(findings({ forecast: forecast([], false), rewrites })).toEqual(['unforecast-rewrite']);
    expect(findings({ forecast: forecast([], 'maybe'), rewrites })).toEqual(['rewrite']);
    expect(findings({ forecast: undefined, rewrites })).toEqual(['unforecast-rewrite']);
  });

  it('a writer-blocking lock held past --max-lock-hold, only in a locked step, only when sampled', () => {
    const f = forecast([{ name: 'tickets', mode: 'access exclusive' }]);
    const long = [{ relation: tickets, mode: 'access exclusive' as const, heldMs: 1500 }];
    expect(findings({ forecast: f, locks: long })).toEqual(['long-lock']);
    expect(findings({ forecast: f, locks: long, window: { ...step, kind: 'concurrent' } })).toEqual([]);
    expect(findings({ forecast: f, locks: [{ ...long[0]!, heldMs: null }] })).toEqual([]);
    expect(findings({ forecast: f, locks: [{ ...long[0]!, mode: 'share update exclusive' }] })).toEqual([]);
  });

  it('an opaque statement is not compared', () => {
    const opaque = { ...forecast([]), opaque: true };
    expect(findings({ forecast: opaque, locks: [{ relation: users, mode: 'access exclusive', heldMs: 1 }] })).toEqual([]);
  });
});

describe('rehearsal inputs', () => {
  it('reads --sample as a fraction of a percent', () => {
    expect(parseSample('1%')).toBe(0.01);
    expect(parseSample('0.5%')).toBe(0.005);
    expect(parseSample('100%')).toBe(1);
    expect(() => parseSample('0%')).toThrow('--sample must be more than 0% and at most 100%');
    expect(() => parseSample('1')).toThrow('--sample must be a percent, like 1% or 0.5%');
    expect(() => parseSample('150%')).toThrow('at most 100%');
  });

  it('strips the lock_timeout a locked step sends with a statement, and collapses whitespace', () => {
    expect(normalizeStatement('set local lock_timeout = 250; alter table t\n   add column x int;')).toBe('alter table t add column x int');
    expect(normalizeStatement(statement)).toBe(statement);
  });
});
