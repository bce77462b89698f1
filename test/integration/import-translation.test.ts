// Each translation is exact: the source migrations (Prisma's, drizzle-kit's and hand-written SQL, one
// statement family after another) run offline on one database, and the specs the importer writes for
// them run with online's real lifecycle (`migrateDirectory`) on another with the same starting schema
// and rows, under concurrent writers. No writer may fail, and the two final catalogs must be equal
// (columns compared by name: change-type and rename-column move the rebuilt column to the end).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDirectory } from '../../src/api/migrate-directory.js';
import { sourceStatements } from '../../src/import/source-statements.js';
import { specDrafts } from '../../src/import/spec-drafts.js';
import { specYaml } from '../../src/import/spec-yaml.js';
import { translateMigration, translationContext } from '../../src/import/translate/translate-migration.js';
import type { SourceMigration } from '../../src/import/import-types.js';
import { readDatabaseState, type DatabaseState } from '../support/database-state.js';
import { startShapeWriters } from '../support/shape-writers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const seed = `
  create table "User" (id serial primary key, email text not null, name text, tier text, score int not null default 0,
                       kind int, legacy text);
  insert into "User" (email, name, tier, score, kind, legacy)
    select 'u' || g || '@example.com', 'user ' || g, case when g % 3 = 0 then 'gold' end, g % 7, g, 'L' || g
    from generate_series(1, 400) g;
  create table "Post" (id bigserial primary key, "authorId" int not null, "editorId" int, title text, body text);
  insert into "Post" ("authorId", "editorId", title, body)
    select 1 + g % 400, case when g % 2 = 0 then 1 + g % 50 end, 'title ' || g, 'body ' || g from generate_series(1, 800) g;
  create index "Post_title_idx" on "Post" (title);
  create table old_audit (id int primary key, note text);
`;

const prismaInit = `-- CreateEnum
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "bio" TEXT,
ADD COLUMN     "role" "Role" NOT NULL DEFAULT 'USER',
ADD COLUMN     "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "Comment" (
    "id" SERIAL NOT NULL,
    "postId" BIGINT NOT NULL,
    "body" TEXT NOT NULL,

    CONSTRAINT "Comment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Tag" (
    "id" TEXT NOT NULL,
    "label" VARCHAR(50) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Tag_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");

-- CreateIndex
CREATE UNIQUE INDEX "Tag_label_key" ON "Tag"("label");

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_postId_fkey" FOREIGN KEY ("postId") REFERENCES "Post"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`;

const drizzle = `ALTER TABLE "Post" ADD COLUMN "published" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "Post" ALTER COLUMN "title" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "User" ALTER COLUMN "kind" SET DATA TYPE bigint;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "post_published_idx" ON "Post" USING btree ("published") WHERE "Post"."published" = true;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "user_lower_email_idx" ON "User" USING btree (lower("email"));--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "Post" ADD CONSTRAINT "post_editor_fk" FOREIGN KEY ("editorId") REFERENCES "public"."User"("id") ON DELETE set null ON UPDATE no action;
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
`;

const flyway = `-- V3: hand-written, unquoted
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE "User" RENAME COLUMN legacy TO legacy_code;
ALTER TABLE "User" ADD CONSTRAINT user_score_check CHECK (score >= 0), ADD CONSTRAINT user_name_key UNIQUE (name);
UPDATE "User" SET tier = 'basic' WHERE tier IS NULL;
ALTER TABLE "User" ALTER COLUMN tier SET DEFAULT 'basic', ALTER COLUMN name DROP NOT NULL;
ALTER TABLE "Post" ALTER COLUMN "editorId" TYPE bigint USING ("editorId"::bigint);
ALTER TABLE "Post" DROP COLUMN body;
DROP INDEX "Post_title_idx";
COMMENT ON TABLE "User" IS 'people who write posts';
CREATE SEQUENCE invoice_number START 1000;
DROP TABLE old_audit;
COMMIT;
`;

const nodePgMigrate = `-- Up Migration
CREATE TABLE plans (
  code text PRIMARY KEY,
  label text NOT NULL,
  price_cents integer NOT NULL DEFAULT 0 CONSTRAINT plans_price_check CHECK (price_cents >= 0),
  owner_id integer REFERENCES "User" (id) ON DELETE SET NULL,
  UNIQUE (label)
);
INSERT INTO plans (code, label) VALUES ('free', 'Free'), ('pro', 'Pro');
ALTER TABLE "User" ADD CHECK (score < 1000000);
ALTER TABLE "Post" ADD CHECK ("Post"."editorId" > 0);
ALTER TABLE "Post" ADD UNIQUE ("authorId", title);
CREATE INDEX ON "User" (name);
DROP INDEX "Post_authorId_idx";
ALTER TYPE "Role" ADD VALUE 'EDITOR';
DELETE FROM "Tag" WHERE id = 'none';
`;

const sources: readonly { readonly tool: SourceMigration['tool']; readonly id: string; readonly sql: string }[] = [
  { tool: 'prisma', id: '20240101000000_init', sql: prismaInit },
  { tool: 'drizzle', id: '0001_published', sql: drizzle },
  { tool: 'flyway', id: 'V3__users', sql: flyway },
  { tool: 'node-pg-migrate', id: '1700000000000_plans', sql: nodePgMigrate },
];

/** The catalog, without what concurrent writers change (rows, sequence positions) and with columns by name. */
function schemaOf(state: DatabaseState): unknown {
  return {
    tables: Object.fromEntries(
      Object.entries(state.tables).map(([name, t]) => [
        name,
        { columns: [...t.columns].sort(), constraints: t.constraints, indexes: t.indexes, triggers: t.triggers },
      ]),
    ),
    functions: state.functions,
    sequences: state.sequences.map((s) => s.replace(/ last=\S*/, '')),
  };
}

describe('imported specs end where the source SQL ends, under writers', () => {
  let offline: TestDatabase;
  let online: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    [offline, online] = await Promise.all([createTestDatabase('import_offline'), createTestDatabase('import_online')]);
    await offline.sql.unsafe(seed);
    await online.sql.unsafe(seed);
    dir = await mkdtemp(join(tmpdir(), 'online-import-'));
  });
  afterAll(async () => {
    await Promise.all([offline.drop(), online.drop(), rm(dir, { recursive: true, force: true })]);
  });

  it('writes specs that pass pre-flight, run with zero writer errors, and leave the same catalog and values', async () => {
    const context = translationContext();
    let file = 0;
    for (const s of sources) {
      const migration: SourceMigration = { tool: s.tool, id: s.id, file: `${s.id}.sql`, path: `/${s.id}.sql`, sql: s.sql, firstLine: 1 };
      // One connection: the hand-written script has its own BEGIN/COMMIT.
      const script = postgres(offline.url, { max: 1, onnotice: () => undefined });
      await script.unsafe(s.sql).finally(() => script.end());
      const { statements, trailingComments } = await sourceStatements(migration);
      const drafts = specDrafts(migration, await translateMigration(statements, context));
      for (const [i, draft] of drafts.entries()) {
        const name = drafts.length === 1 ? s.id : `${s.id}.part${i + 1}`;
        const yaml = specYaml({
          migration,
          name,
          draft,
          part: i + 1,
          parts: drafts.length,
          trailingComments,
          schemaRef: 'online.schema.json',
        });
        await writeFile(join(dir, `${String(++file).padStart(3, '0')}-${name}.yaml`), yaml);
      }
    }
    // The Prisma migration is split where its add-column needs the enum it creates.
    expect(file).toBeGreaterThan(sources.length);

    const users = startShapeWriters(online.url, {
      seeded: 400,
      insert: (sql, n) => sql`insert into "User" (email, name, tier, score) values (${`w${n}@example.com`}, ${`writer ${n}`}, 'basic', 1)`,
      update: (sql, n) => sql`update "User" set score = score + 1 where id = ${n}`,
    });
    const posts = startShapeWriters(online.url, {
      seeded: 800,
      insert: (sql, n) => sql`insert into "Post" ("authorId", title) values (${1 + (n % 400)}, ${`post ${n}`})`,
      update: (sql, n) => sql`update "Post" set title = ${`edited ${n}`} where id = ${n}`,
    });
    await Promise.all([users.waitForOperations(20), posts.waitForOperations(20)]);
    const result = await migrateDirectory({
      databaseUrl: online.url,
      dir,
      options: { batchSize: 100, minBatchSize: 100, maxBatchSize: 100 },
    });
    const traffic = [await users.stop(), await posts.stop()];

    expect(result.specs.map((s) => `${s.migration} ${s.status ?? ''}`)).toEqual(result.specs.map((s) => `${s.migration} completed`));
    expect(traffic.flatMap((t) => t.errors)).toEqual([]);
    expect(traffic.every((t) => t.inserts > 5 && t.updates > 5)).toBe(true);
    const expected = await readDatabaseState(offline.url);
    expect(schemaOf(await readDatabaseState(online.url))).toEqual(schemaOf(expected));
    // The comparison covers what the migrations did (not two empty catalogs).
    expect(Object.keys(expected.tables)).toEqual(['public."Comment"', 'public."Post"', 'public."Tag"', 'public."User"', 'public.plans']);
    // Unnamed constraints and indexes got the names PostgreSQL gives them.
    expect(expected.tables['public."User"']?.constraints.join('\n')).toContain('"User_score_check" CHECK');
    expect(expected.tables['public."Post"']?.constraints.join('\n')).toContain('"Post_editorId_check" CHECK');
    expect(expected.tables['public."Post"']?.constraints.join('\n')).toContain('"Post_authorId_title_key" UNIQUE');
    expect(expected.tables['public.plans']?.constraints.join('\n')).toContain('plans_owner_id_fkey FOREIGN KEY');
    expect(expected.tables['public."User"']?.constraints).toContain('user_score_check CHECK ((score >= 0))');
    expect(expected.tables['public."Post"']?.indexes.join('\n')).toContain('WHERE (published = true)');
    const seeded = `select id, email, name, tier, kind, legacy_code, role::text, bio from "User" where id <= 400 order by id`;
    expect(await online.sql.unsafe(seeded)).toEqual(await offline.sql.unsafe(seeded));
    const posted = `select id, "authorId", "editorId", published from "Post" where id <= 800 order by id`;
    expect(await online.sql.unsafe(posted)).toEqual(await offline.sql.unsafe(posted));
  });
});
