import { describe, expect, it } from 'vitest';
import { settingMs } from '../../src/db/deadlock-timeout.js';

describe('deadlock_timeout settings as pg_db_role_setting stores them', () => {
  it.each([
    ['200ms', 200],
    ['1s', 1_000],
    ['1min', 60_000],
    ['500', 500],
    ['1500us', 1.5],
    [' 2 s ', 2_000],
  ])('%s is %d ms', (value, ms) => {
    expect(settingMs(value)).toBe(ms);
  });

  it.each(['', 'soon', '1 fortnight', '0', '-5ms'])('%j is unreadable, so it cannot lower the budget by mistake', (value) => {
    expect(settingMs(value)).toBeUndefined();
  });
});
