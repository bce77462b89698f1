import { describe, expect, it } from 'vitest';
import type { SourceMigration, StatementTranslation } from '../../src/import/import-types.js';
import { sourceStatements } from '../../src/import/source-statements.js';
import { translateMigration, translationContext, type TranslationContext } from '../../src/import/translate/translate-migration.js';

async function translate(sql: string, context?: TranslationContext): Promise<StatementTranslation[]> {
  const migration: SourceMigration = { tool: 'sql', id: 'm', file: 'm.sql', path: '/m.sql', sql, firstLine: 1 };
  const { statements } = await sourceStatements(migration);
  return (await translateMigration(statements, context)).map((t) => t.translation);
}

/** The one statement's operations (or its kind, when it is not an operation). */
async function operationsOf(sql: string): Promise<unknown> {
  const [t] = await translate(sql);
  return t?.kind === 'operation' ? t.operations : t;
}

const pub = { schema: 'public' } as const;

describe("Prisma's dialect", () => {
  it('ADD COLUMN … NOT NULL DEFAULT → add-column, type and default as written', async () => {
    expect(await operationsOf('ALTER TABLE "User" ADD COLUMN "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;')).toEqual([
      { op: 'add-column', ...pub, table: 'User', column: 'createdAt', type: 'TIMESTAMP(3)', default: 'CURRENT_TIMESTAMP', nullable: false },
    ]);
    expect(await operationsOf(`ALTER TABLE "Post" ADD COLUMN "status" "Status" DEFAULT 'DRAFT'::"Status"`)).toEqual([
      { op: 'add-column', ...pub, table: 'Post', column: 'status', type: '"Status"', default: `'DRAFT'::"Status"`, nullable: true },
    ]);
  });

  it('a nullable column without a default stays SQL (catalog only), undone by dropping it', async () => {
    const [t] = await translate('ALTER TABLE "User" ADD COLUMN "bio" TEXT;');
    expect(t).toMatchObject({
      kind: 'sql',
      phase: 'expand',
      tables: [{ schema: 'public', table: 'User' }],
      rollback: ['alter table "public"."User" drop column if exists "bio"'],
    });
  });

  it('ADD COLUMN IF NOT EXISTS (nullable) keeps IF NOT EXISTS and gets no rollback: the column may be older', async () => {
    const [t] = await translate('ALTER TABLE "User" ADD COLUMN IF NOT EXISTS "bio" TEXT;');
    expect(t).toMatchObject({ kind: 'sql', phase: 'expand' });
    expect(t?.kind === 'sql' ? t.rollback : 'x').toBeUndefined();
  });

  it('several subcommands become one operation each, in order, with a note each', async () => {
    const [t] = await translate(
      'ALTER TABLE "Post" ADD COLUMN "views" INTEGER NOT NULL DEFAULT 0,\nALTER COLUMN "title" SET NOT NULL,\nALTER COLUMN "kind" SET DATA TYPE BIGINT USING ("kind"::bigint),\nALTER COLUMN "body" DROP NOT NULL;',
    );
    expect(t?.kind === 'operation' ? t.operations : t).toEqual([
      { op: 'add-column', ...pub, table: 'Post', column: 'views', type: 'INTEGER', default: '0', nullable: false },
      { op: 'set-not-null', ...pub, table: 'Post', column: 'title' },
      { op: 'change-type', ...pub, table: 'Post', column: 'kind', type: 'BIGINT', using: '"kind"::bigint' },
      {
        op: 'sql',
        phase: 'expand',
        sql: 'alter table "public"."Post" alter column "body" drop not null',
        tables: [{ schema: 'public', table: 'Post' }],
      },
    ]);
    expect(t?.kind === 'operation' ? t.notes?.length : 0).toBe(4);
  });

  it('CREATE UNIQUE INDEX → create-index, built concurrently under the same name', async () => {
    expect(await operationsOf('CREATE UNIQUE INDEX "User_email_key" ON "User"("email");')).toEqual([
      {
        op: 'create-index',
        ...pub,
        table: 'User',
        name: 'User_email_key',
        columns: ['email'],
        expressions: [],
        unique: true,
        using: 'btree',
        include: [],
      },
    ]);
  });

  it('ADD CONSTRAINT … FOREIGN KEY … ON DELETE RESTRICT ON UPDATE CASCADE → add-foreign-key, actions kept', async () => {
    expect(
      await operationsOf(
        'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;',
      ),
    ).toEqual([
      {
        op: 'add-foreign-key',
        ...pub,
        table: 'Post',
        name: 'Post_authorId_fkey',
        columns: ['authorId'],
        references: { schema: 'public', table: 'User', columns: ['id'] },
        onDelete: 'restrict',
        onUpdate: 'cascade',
      },
    ]);
  });

  it('CREATE TABLE → create-table when every clause maps (the Post_pkey name is PostgreSQL’s own); later statements on it stay SQL', async () => {
    const [table, index, fk] = await translate(`-- CreateTable
CREATE TABLE "Tag" (
    "id" TEXT NOT NULL,
    "label" VARCHAR(50) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "postId" INTEGER,

    CONSTRAINT "Tag_pkey" PRIMARY KEY ("id")
);
-- CreateIndex
CREATE UNIQUE INDEX "Tag_label_key" ON "Tag"("label");
-- AddForeignKey
ALTER TABLE "Tag" ADD CONSTRAINT "Tag_postId_fkey" FOREIGN KEY ("postId") REFERENCES "Post"("id") ON DELETE SET NULL ON UPDATE CASCADE;`);
    expect(table?.kind === 'operation' ? table.operations : table).toEqual([
      {
        op: 'create-table',
        ...pub,
        table: 'Tag',
        columns: [
          { name: 'id', type: 'TEXT', nullable: false },
          { name: 'label', type: 'VARCHAR(50)', nullable: false },
          { name: 'createdAt', type: 'TIMESTAMP(3)', nullable: false, default: 'CURRENT_TIMESTAMP' },
          { name: 'postId', type: 'INTEGER', nullable: true },
        ],
        primaryKey: ['id'],
      },
    ]);
    for (const later of [index, fk])
      expect(later).toMatchObject({ kind: 'sql', phase: 'expand', tables: [{ schema: 'public', table: 'Tag' }], rollback: [] });
  });

  it('CREATE TABLE with SERIAL stays as written, in expand, undone by dropping the table', async () => {
    const [t] = await translate('CREATE TABLE "User" ("id" SERIAL NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));');
    expect(t).toMatchObject({ kind: 'sql', phase: 'expand', rollback: ['drop table if exists "public"."User"'] });
    expect(t?.kind === 'sql' ? t.note : '').toContain('a serial column');
  });

  it('RENAME COLUMN → rename-column; RENAME TO is refused', async () => {
    expect(await operationsOf('ALTER TABLE "User" RENAME COLUMN "name" TO "fullName";')).toEqual([
      { op: 'rename-column', ...pub, table: 'User', column: 'name', to: 'fullName', instant: false },
    ]);
    expect(await operationsOf('ALTER TABLE "User" RENAME TO "Person";')).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining('old name'),
    });
  });
});

describe("drizzle-kit's dialect", () => {
  it('CREATE TABLE IF NOT EXISTS with serial stays SQL, with no rollback (the table may be older)', async () => {
    const [t] = await translate('CREATE TABLE IF NOT EXISTS "users" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"name" text\n);');
    expect(t).toMatchObject({ kind: 'sql', phase: 'expand' });
    expect(t?.kind === 'sql' ? t.rollback : 'x').toBeUndefined();
  });

  it('a table created IF NOT EXISTS may be an old, full one: statements after it are not treated as on a new, empty table', async () => {
    const [, index, type, update] = await translate(
      [
        'CREATE TABLE IF NOT EXISTS "tickets" ("id" bigint PRIMARY KEY, "title" text);',
        'CREATE INDEX "tickets_title_idx" ON "tickets" ("title");',
        'ALTER TABLE "tickets" ALTER COLUMN "id" TYPE numeric;',
        `UPDATE "tickets" SET "title" = 'x';`,
      ].join('\n'),
    );
    expect([index, type, update].map((t) => (t?.kind === 'operation' ? t.operations.map((o) => o.op) : t?.kind))).toEqual([
      ['create-index'],
      ['change-type'],
      ['backfill'],
    ]);
  });

  it('the DO-block foreign key idiom → add-foreign-key; any other DO block is refused', async () => {
    const idiom = `DO $$ BEGIN
 ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;`;
    expect(await operationsOf(idiom)).toEqual([
      {
        op: 'add-foreign-key',
        ...pub,
        table: 'posts',
        name: 'posts_author_id_users_id_fk',
        columns: ['author_id'],
        references: { schema: 'public', table: 'users', columns: ['id'] },
        onDelete: 'cascade',
      },
    ]);
    for (const other of [
      idiom.replace('duplicate_object', 'others'),
      idiom.replace('THEN null', "THEN RAISE NOTICE 'x'"),
      "DO $$ BEGIN UPDATE users SET name = 'x'; END $$;",
      idiom.replace('FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action', 'CHECK (true)'),
    ]) {
      expect(await operationsOf(other)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('DO block') });
    }
  });

  it('an index WHERE qualified by its own table is written unqualified; SET DATA TYPE → change-type', async () => {
    expect(
      await operationsOf(
        'CREATE INDEX IF NOT EXISTS "post_published_idx" ON "posts" USING btree ("published") WHERE "posts"."published" = true;',
      ),
    ).toEqual([
      {
        op: 'create-index',
        ...pub,
        table: 'posts',
        name: 'post_published_idx',
        columns: ['published'],
        expressions: [],
        unique: false,
        using: 'btree',
        include: [],
        where: '"published" = true',
      },
    ]);
    expect(await operationsOf('ALTER TABLE "users" ALTER COLUMN "age" SET DATA TYPE bigint;')).toEqual([
      { op: 'change-type', ...pub, table: 'users', column: 'age', type: 'bigint' },
    ]);
  });

  it('"col" type DEFAULT … NOT NULL (drizzle’s order) → add-column', async () => {
    expect(await operationsOf('ALTER TABLE "posts" ADD COLUMN "published" boolean DEFAULT false NOT NULL;')).toEqual([
      { op: 'add-column', ...pub, table: 'posts', column: 'published', type: 'boolean', default: 'false', nullable: false },
    ]);
  });
});

describe('hand-written SQL (node-pg-migrate, Flyway)', () => {
  it('CHECK and UNIQUE → add-check and add-unique, unnamed ones under the names PostgreSQL would give', async () => {
    expect(await operationsOf('ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0 AND balance < 1e9);')).toEqual([
      { op: 'add-check', ...pub, table: 'accounts', name: 'positive_balance', check: 'balance >= 0 AND balance < 1e9' },
    ]);
    expect(await operationsOf('ALTER TABLE accounts ADD CHECK (balance >= 0), ADD CHECK (a < b), ADD UNIQUE (email, tenant_id);')).toEqual([
      { op: 'add-check', ...pub, table: 'accounts', name: 'accounts_balance_check', check: 'balance >= 0' },
      { op: 'add-check', ...pub, table: 'accounts', name: 'accounts_check', check: 'a < b' },
      { op: 'add-unique', ...pub, table: 'accounts', name: 'accounts_email_tenant_id_key', columns: ['email', 'tenant_id'] },
    ]);
    // PostgreSQL names it after its one column however the column is qualified (drizzle-kit's "t"."c").
    expect(await operationsOf('ALTER TABLE accounts ADD CHECK ("accounts"."balance" >= 0 AND public.accounts.balance < 9);')).toEqual([
      {
        op: 'add-check',
        ...pub,
        table: 'accounts',
        name: 'accounts_balance_check',
        check: '"accounts"."balance" >= 0 AND public.accounts.balance < 9',
      },
    ]);
  });

  it('CREATE TABLE with column constraints → create-table: inline PRIMARY KEY, named CHECK, REFERENCES, UNIQUE', async () => {
    expect(
      await operationsOf(`CREATE TABLE plans (
  code text PRIMARY KEY,
  price_cents integer NOT NULL DEFAULT 0 CONSTRAINT plans_price_check CHECK (price_cents >= 0),
  owner_id integer REFERENCES users (id) ON DELETE SET NULL,
  n bigint GENERATED ALWAYS AS IDENTITY,
  UNIQUE (owner_id, code)
);`),
    ).toEqual([
      {
        op: 'create-table',
        ...pub,
        table: 'plans',
        columns: [
          { name: 'code', type: 'text', nullable: true },
          { name: 'price_cents', type: 'integer', nullable: false, default: '0' },
          { name: 'owner_id', type: 'integer', nullable: true },
          { name: 'n', type: 'bigint', nullable: true, identity: 'always' },
        ],
        primaryKey: ['code'],
        unique: [['owner_id', 'code']],
        checks: [{ name: 'plans_price_check', check: 'price_cents >= 0' }],
        foreignKeys: [{ columns: ['owner_id'], references: { schema: 'public', table: 'users', columns: ['id'] }, onDelete: 'set null' }],
      },
    ]);
    // An unnamed column CHECK, or a primary key named otherwise than PostgreSQL would, keeps the statement as written.
    for (const sql of ['CREATE TABLE t (a int CHECK (a > 0));', 'CREATE TABLE t (a int, CONSTRAINT t_key PRIMARY KEY (a));']) {
      expect(await operationsOf(sql)).toMatchObject({ kind: 'sql', phase: 'expand' });
    }
  });

  it('a constraint added NOT VALID is already safe and stays SQL', async () => {
    expect(await operationsOf('ALTER TABLE accounts ADD CONSTRAINT c CHECK (balance >= 0) NOT VALID;')).toMatchObject({
      kind: 'sql',
      phase: 'expand',
    });
  });

  it('CREATE INDEX keeps method, expressions, INCLUDE and WHERE; refuses what create-index cannot express', async () => {
    expect(await operationsOf('CREATE INDEX CONCURRENTLY accounts_lower_email ON app.accounts USING hash (lower(email));')).toEqual([
      {
        op: 'create-index',
        schema: 'app',
        table: 'accounts',
        name: 'accounts_lower_email',
        columns: [],
        expressions: ['lower(email)'],
        unique: false,
        using: 'hash',
        include: [],
      },
    ]);
    expect(
      await operationsOf('CREATE INDEX accounts_tenant ON accounts (tenant_id, created_at) INCLUDE (status) WHERE (deleted_at IS NULL);'),
    ).toEqual([
      {
        op: 'create-index',
        ...pub,
        table: 'accounts',
        name: 'accounts_tenant',
        columns: ['tenant_id', 'created_at'],
        expressions: [],
        unique: false,
        using: 'btree',
        include: ['status'],
        where: 'deleted_at IS NULL',
      },
    ]);
    expect(await operationsOf('CREATE INDEX ON accounts (tenant_id);')).toMatchObject([{ name: 'accounts_tenant_id_idx' }]);
    for (const [sql, clause] of [
      ['CREATE INDEX i ON accounts (created_at DESC);', 'sort order'],
      ['CREATE INDEX i ON accounts (email text_pattern_ops);', 'operator class'],
      ['CREATE INDEX i ON accounts (lower(email), id);', 'after a key expression'],
      ['CREATE INDEX i ON accounts (id) WITH (fillfactor = 70);', 'storage parameters'],
    ] as const) {
      expect(await operationsOf(sql)).toMatchObject({ kind: 'refused', reason: expect.stringContaining(clause) });
    }
  });

  it('UPDATE → backfill with the SET and WHERE as written; one computed from a column it sets is refused', async () => {
    expect(
      await operationsOf("UPDATE accounts SET status = CASE WHEN balance > 0 THEN 'active' ELSE 'idle' END WHERE status IS NULL;"),
    ).toEqual([
      {
        op: 'backfill',
        ...pub,
        table: 'accounts',
        set: { status: "CASE WHEN balance > 0 THEN 'active' ELSE 'idle' END" },
        where: 'status IS NULL',
      },
    ]);
    expect(await operationsOf('UPDATE accounts SET visits = visits + 1;')).toMatchObject({ kind: 'refused' });
    expect(await operationsOf('UPDATE accounts a SET status = b.s FROM b WHERE a.id = b.id;')).toMatchObject({ kind: 'refused' });
  });

  it('INSERT stays SQL in expand, DELETE in contract; DELETE without WHERE is refused', async () => {
    expect(await operationsOf("INSERT INTO plans (code) VALUES ('free'), ('pro');")).toMatchObject({
      kind: 'sql',
      phase: 'expand',
      tables: [{ schema: 'public', table: 'plans' }],
    });
    expect(await operationsOf("DELETE FROM plans WHERE code = 'legacy';")).toMatchObject({ kind: 'sql', phase: 'contract' });
    expect(await operationsOf('DELETE FROM plans;')).toMatchObject({ kind: 'refused' });
  });

  it('drops: DROP COLUMN, DROP TABLE and DROP INDEX (its table known from an earlier migration) are contract-only operations', async () => {
    expect(await operationsOf('ALTER TABLE accounts DROP COLUMN legacy CASCADE;')).toEqual([
      { op: 'drop-column', ...pub, table: 'accounts', column: 'legacy', cascade: true },
    ]);
    expect(await operationsOf('DROP TABLE old_audit, old_log;')).toEqual([
      { op: 'drop-table', ...pub, table: 'old_audit', cascade: false },
      { op: 'drop-table', ...pub, table: 'old_log', cascade: false },
    ]);
    const context = translationContext();
    await translate('CREATE INDEX accounts_email ON accounts (email);', context);
    const [known] = await translate('DROP INDEX accounts_email;', context);
    expect(known?.kind === 'operation' ? known.operations : known).toEqual([
      { op: 'drop-index', ...pub, table: 'accounts', name: 'accounts_email' },
    ]);
    expect(await operationsOf('DROP INDEX unknown_idx;')).toMatchObject({ kind: 'sql', phase: 'contract' });
  });

  it('SET/DROP DEFAULT and DROP NOT NULL are catalog only: SQL (DROP DEFAULT in contract)', async () => {
    expect(await operationsOf("ALTER TABLE accounts ALTER COLUMN status SET DEFAULT 'idle';")).toMatchObject({
      kind: 'sql',
      phase: 'expand',
    });
    expect(await operationsOf('ALTER TABLE accounts ALTER COLUMN status DROP DEFAULT;')).toMatchObject({ kind: 'sql', phase: 'contract' });
    expect(await operationsOf('ALTER TABLE accounts ALTER COLUMN status DROP NOT NULL;')).toMatchObject({ kind: 'sql', phase: 'expand' });
  });

  it('already-safe statements stay SQL in the right phase; creations carry their rollback', async () => {
    const cases: [string, string, string[] | undefined][] = [
      ["CREATE TYPE mood AS ENUM ('happy', 'sad');", 'expand', ['drop type if exists "mood"']],
      ["ALTER TYPE mood ADD VALUE 'meh';", 'expand', undefined],
      ['CREATE SEQUENCE invoice_number START 1000;', 'expand', ['drop sequence if exists "public"."invoice_number"']],
      ["COMMENT ON TABLE accounts IS 'who pays';", 'expand', []],
      ['CREATE EXTENSION IF NOT EXISTS pgcrypto;', 'expand', undefined],
      ['CREATE SCHEMA billing;', 'expand', ['drop schema if exists "billing"']],
      ['GRANT SELECT ON accounts TO reporting;', 'expand', undefined],
      ['DROP TYPE mood;', 'contract', undefined],
    ];
    for (const [sql, phase, rollback] of cases) {
      const [t] = await translate(sql);
      expect({
        sql,
        kind: t?.kind,
        phase: t?.kind === 'sql' ? t.phase : undefined,
        rollback: t?.kind === 'sql' ? t.rollback : undefined,
      }).toEqual({ sql, kind: 'sql', phase, rollback });
    }
  });

  it('transaction control and lock_timeout are skipped; another SET is refused', async () => {
    const [begin, local, timeout, commit, path] = await translate(
      "BEGIN;\nSET LOCAL lock_timeout = '5s';\nSET statement_timeout = 0;\nCOMMIT;\nSET search_path = app;",
    );
    for (const t of [begin, local, timeout, commit]) expect(t?.kind).toBe('skipped');
    expect(path).toMatchObject({ kind: 'refused', reason: expect.stringContaining('search_path') });
  });

  it('refuses what cannot be made safe, each with a suggestion', async () => {
    const cases: [string, string][] = [
      ['ALTER TABLE accounts SET TABLESPACE fast;', 'SET TABLESPACE'],
      ['ALTER INDEX accounts_pkey SET TABLESPACE fast;', 'SET TABLESPACE'],
      ['ALTER MATERIALIZED VIEW totals SET TABLESPACE fast;', 'SET TABLESPACE'],
      ['ALTER MATERIALIZED VIEW totals SET ACCESS METHOD heap2;', 'ACCESS METHOD'],
      ['VACUUM FULL accounts;', 'VACUUM FULL'],
      ['CLUSTER accounts USING accounts_pkey;', 'CLUSTER'],
      ['LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE;', 'LOCK TABLE'],
      ['REINDEX TABLE accounts;', 'REINDEX'],
      ['ALTER TABLE accounts SET UNLOGGED;', 'UNLOGGED'],
      ['ALTER TABLE accounts ADD PRIMARY KEY (id);', 'PRIMARY KEY'],
      ['ALTER TABLE accounts ADD COLUMN n int NOT NULL;', 'NOT NULL without a DEFAULT'],
      ['ALTER TABLE a ADD CONSTRAINT f FOREIGN KEY (b) REFERENCES b (id) DEFERRABLE INITIALLY DEFERRED;', 'DEFERRABLE'],
      ['ALTER TABLE a ADD COLUMN id2 bigserial;', 'serial'],
      ["SELECT setval('s', 10);", 'functions'],
    ];
    for (const [sql, words] of cases) {
      const [t] = await translate(sql);
      expect({
        sql,
        kind: t?.kind,
        mentions: t?.kind === 'refused' && t.reason.includes(words),
        suggests: t?.kind === 'refused' && t.suggestion.length > 0,
      }).toEqual({
        sql,
        kind: 'refused',
        mentions: true,
        suggests: true,
      });
    }
  });
});
