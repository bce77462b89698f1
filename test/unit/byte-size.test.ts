// Byte sizes on the command line and in status text, in powers of 1024.
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors/index.js';
import { formatBytes, parseByteSize } from '../../src/throttle/byte-size.js';

describe('parseByteSize', () => {
  it.each([
    ['1024', 1024],
    ['0', 0],
    ['100kB', 100 * 1024],
    ['100KB', 100 * 1024],
    ['512MB', 512 * 1024 ** 2],
    ['1GB', 1024 ** 3],
    ['1.5 GB', 1.5 * 1024 ** 3],
    ['2TB', 2 * 1024 ** 4],
    ['64MiB', 64 * 1024 ** 2],
    ['  1 gb  ', 1024 ** 3],
    ['10B', 10],
    ['.5kB', 512],
  ])('reads %j as %d bytes', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it('rounds fractional results to whole bytes', () => {
    expect(parseByteSize('1.001kB')).toBe(1025);
  });

  it.each([
    ['', 'not a size'],
    ['abc', 'not a size'],
    ['-1GB', 'not a size'],
    ['1e3', 'not a size'],
    ['GB', 'not a size'],
    ['1.5 parsecs', 'unknown unit "parsecs"'],
    ['10XB', 'unknown unit "XB"'],
    ['99999999999TB', 'too large'],
  ])('rejects %j: %s', (text, why) => {
    expect(() => parseByteSize(text)).toThrow(InvalidOptionError);
    expect(() => parseByteSize(text)).toThrow(why);
    expect(() => parseByteSize(text)).toThrow('e.g. 1024, 100kB, 512MB, 1.5 GB');
  });

  it('names the flag when given one', () => {
    expect(() => parseByteSize('lots', 'max-retained-wal')).toThrow(/^--max-retained-wal "lots": not a size/);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1 kB'],
    [1536, '1.5 kB'],
    [512 * 1024 ** 2, '512 MB'],
    [1024 ** 3, '1 GB'],
    [2.1 * 1024 ** 3, '2.1 GB'],
    [1024 ** 3 - 1, '1 GB'],
    [3 * 1024 ** 4, '3 TB'],
    [-2048, '-2 kB'],
  ])('formats %d as %j', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('round-trips through parseByteSize', () => {
    expect(parseByteSize(formatBytes(1.5 * 1024 ** 3))).toBe(1.5 * 1024 ** 3);
  });
});
