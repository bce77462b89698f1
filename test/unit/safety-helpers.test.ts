import { describe, expect, it } from 'vitest';
import { durationMs } from '../../src/settings/duration.js';
import { backoffDelay } from '../../src/db/backoff.js';
import { maskSecrets, maskUrl } from '../../src/db/mask-secrets.js';
import { quoteIdent, quoteQualified } from '../../src/sql-text/quote.js';

describe('identifier quoting', () => {
  it('always quotes and doubles embedded quotes', () => {
    expect(quoteIdent('tickets')).toBe('"tickets"');
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(quoteQualified({ schema: 'Support', name: 'my table' })).toBe('"Support"."my table"');
    expect(() => quoteIdent('')).toThrow();
  });
});

describe('secrets', () => {
  it('masks passwords in URLs and messages', () => {
    expect(maskUrl('postgres://app:s3cr3t@db:5432/prod')).toBe('postgres://app:***@db:5432/prod');
    expect(maskSecrets('failed for postgresql://app:s3cr3t@db/prod with s3cr3t', ['s3cr3t'])).toBe(
      'failed for postgresql://app:***@db/prod with ***',
    );
  });
});

describe('lock retry backoff', () => {
  it('grows exponentially with jitter, up to the cap', () => {
    expect(backoffDelay(1, { baseMs: 100, capMs: 5000 }, () => 0)).toBe(50);
    expect(backoffDelay(1, { baseMs: 100, capMs: 5000 }, () => 1)).toBe(100);
    expect(backoffDelay(4, { baseMs: 100, capMs: 5000 }, () => 1)).toBe(800);
    expect(backoffDelay(20, { baseMs: 100, capMs: 5000 }, () => 1)).toBe(5000);
  });
});

describe('durations', () => {
  it('parses ms, s, m (or min) and h, and a bare number only where the setting names its unit', () => {
    expect(durationMs().parse('1s')).toBe(1000);
    expect(durationMs().parse('250ms')).toBe(250);
    expect(durationMs().parse('2m')).toBe(120_000);
    expect(durationMs().parse('2min')).toBe(120_000);
    expect(durationMs().parse('1h')).toBe(3_600_000);
    expect(durationMs('ms').parse('300')).toBe(300);
    expect(durationMs().safeParse('soon').success).toBe(false);
  });

  it('refuses a bare number but 0, naming the units', () => {
    const bare = durationMs().safeParse('1');
    expect(bare.success).toBe(false);
    expect(bare.error?.issues[0]?.message).toBe('needs a unit: 1ms or 1s? (units: ms, s, m (or min), h)');
    expect(durationMs().parse('0')).toBe(0);
  });
});
