import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';

// Every connection-string form a password can travel in, unreachable or refused: the CLI exits 2 and
// the password appears nowhere in stdout or stderr, in human output or under --json.
describe('passwords never reach the output', () => {
  const db = useTestDatabase('secrets');

  const unreachable: readonly (readonly [string, string, readonly string[]])[] = [
    ['a keyword/value string', 'host=127.0.0.1 port=1 user=app password=kv-Secret-1 dbname=db', ['kv-Secret-1']],
    [
      'a quoted keyword/value password',
      "host=127.0.0.1 port=1 password='kv Secret\\'2' dbname=db",
      ["kv Secret\\'2", "kv Secret'2", 'Secret'],
    ],
    ['a URL', 'postgres://app:url-Secret-3@127.0.0.1:1/db', ['url-Secret-3']],
    ['a percent-encoded URL password', 'postgresql://app:pct%40Secret%2F4@127.0.0.1:1/db', ['pct%40Secret%2F4', 'pct@Secret/4', 'Secret']],
    ['a URL query password', 'postgres://app@127.0.0.1:1/db?password=query-Secret-5&sslmode=disable', ['query-Secret-5']],
  ];

  it.each(unreachable)('%s: exit 2, with and without --json, the password nowhere', async (_form, connection, secrets) => {
    for (const json of [[], ['--json']]) {
      const result = await runCli(['status', '--database-url', connection, ...json], db.url);
      expect(result.code).toBe(2);
      const output = result.stdout + result.stderr;
      expect(output).toContain('cannot connect to');
      for (const secret of secrets) expect(output).not.toContain(secret);
    }
    // Given through the environment instead of the flag.
    const fromEnv = await runCli(['start', 'add-column', '--table', 't', '--column', 'c', '--type', 'text', '--json'], connection);
    expect(fromEnv.code).toBe(2);
    for (const secret of secrets) expect(fromEnv.stdout + fromEnv.stderr).not.toContain(secret);
  });

  it('a keyword/value string is refused with what to give instead', async () => {
    const result = await runCli(['status', '--database-url', 'host=127.0.0.1 password=kv-Secret-7 dbname=db'], db.url);
    expect(result.stderr).toContain('cannot connect to host=127.0.0.1 password=*** dbname=db: not a connection URL');
  });

  it('a real server refusing a wrong password, alone or second of several hosts: exit 2, the password nowhere', async () => {
    const wrong = new URL(db.url);
    wrong.password = 'wrong-Secret-8';
    // postgres.js tries the hosts in turn: the first refuses the connection, the second the password.
    const severalHosts = wrong.toString().replace('@', '@127.0.0.1:1,');
    for (const connection of [wrong.toString(), severalHosts]) {
      for (const json of [[], ['--json']]) {
        const result = await runCli(['status', '--database-url', connection, ...json], db.url);
        expect(result.code).toBe(2);
        expect(result.stdout + result.stderr).toContain('password authentication failed');
        expect(result.stdout + result.stderr).not.toContain('wrong-Secret-8');
      }
    }
  });
});
