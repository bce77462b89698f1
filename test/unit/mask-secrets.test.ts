import { describe, expect, it } from 'vitest';
import { maskQuerySecrets, maskSecrets, maskUrl, secretsOf } from '../../src/db/mask-secrets.js';

/** Masks the connection string, and a message quoting it and its decoded password, as the CLI does. */
const shown = (connection: string, password: string): string =>
  maskSecrets(`cannot connect to ${connection}: login as ${password} failed`, secretsOf(connection));

describe('passwords in connection strings', () => {
  it.each([
    ['postgres://app:s3cr3t@db:5432/prod', 's3cr3t', 'postgres://app:***@db:5432/prod'],
    ['postgresql://app:s3cr3t@db/prod?sslmode=require', 's3cr3t', 'postgresql://app:***@db/prod?sslmode=require'],
    ['postgres://app:p%40ss%2Fw0rd@db/prod', 'p@ss/w0rd', 'postgres://app:***@db/prod'],
    ['postgres://app:p@ss@db/prod', 'p@ss', 'postgres://app:***@db/prod'],
    ['postgres://app:s3cr3t@db1:5432,db2:5433/prod', 's3cr3t', 'postgres://app:***@db1:5432,db2:5433/prod'],
    ['postgres://app@db/prod?password=s3cr3t&sslmode=require', 's3cr3t', 'postgres://app@db/prod?password=***&sslmode=require'],
    ['postgres://app@db/prod?sslpassword=k3yp4ss', 'k3yp4ss', 'postgres://app@db/prod?sslpassword=***'],
    ['tcp://app:s3cr3t@db/prod', 's3cr3t', 'tcp://app:***@db/prod'],
    ['host=db port=5432 password=s3cr3t dbname=prod', 's3cr3t', 'host=db port=5432 password=*** dbname=prod'],
    ["host=db password = 'it''s s3cr3t' dbname=prod", "it''s s3cr3t", 'host=db password = *** dbname=prod'],
    ["host=db password='a b\\'c d' dbname=prod", "a b'c d", 'host=db password=*** dbname=prod'],
    ['host=db sslpassword=k3yp4ss user=app', 'k3yp4ss', 'host=db sslpassword=*** user=app'],
  ])('%s', (connection, password, masked) => {
    expect(maskUrl(connection)).toBe(masked);
    const message = shown(connection, password);
    expect(message).not.toContain(password);
    expect(message).not.toContain(encodeURIComponent(password));
  });

  it('finds the password the way postgres.js reads it, raw and decoded', () => {
    expect(secretsOf('postgres://app:p%40ss@db/prod')).toEqual(expect.arrayContaining(['p%40ss', 'p@ss']));
    expect(secretsOf("host=db password='a b\\'c'")).toEqual(expect.arrayContaining(["a b\\'c", "a b'c"]));
    expect(secretsOf('postgres://app@db/prod')).toEqual([]);
  });

  it('leaves text without secrets alone', () => {
    const text = 'password authentication failed for user "app"; connect ECONNREFUSED 127.0.0.1:5432';
    expect(maskSecrets(text, [])).toBe(text);
    expect(maskUrl('postgres://app@db:5432/prod?sslmode=require')).toBe('postgres://app@db:5432/prod?sslmode=require');
  });
});

describe('passwords in SQL text', () => {
  it.each([
    ["alter role app password 's3cr3t'", "alter role app password '***'"],
    [
      "CREATE ROLE app LOGIN ENCRYPTED PASSWORD 'it''s s3cr3t' VALID UNTIL 'infinity'",
      "CREATE ROLE app LOGIN ENCRYPTED PASSWORD '***' VALID UNTIL 'infinity'",
    ],
    ["alter user app with password E's3\\'cr3t'", "alter user app with password '***'"],
    ['alter role app password $pw$s3cr3t$pw$', "alter role app password '***'"],
    ["alter role app password 's3cr3t (cut short by track_activity_query_size", "alter role app password '***'"],
    [
      "create user mapping for app server remote options (user 'app', password 's3cr3t')",
      "create user mapping for app server remote options (user 'app', password '***')",
    ],
    [
      "create subscription s connection 'host=db password=s3cr3t dbname=prod' publication p",
      "create subscription s connection 'host=db password=*** dbname=prod' publication p",
    ],
  ])('%s', (query, masked) => {
    expect(maskQuerySecrets(query)).toBe(masked);
  });

  it('leaves a query without a password alone', () => {
    const query = "update accounts set password_changed_at = now() where name = 'password'";
    expect(maskQuerySecrets(query)).toBe(query);
  });
});
