import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SourceMigration, SpecDraft } from '../../src/import/import-types.js';
import { sourceStatements } from '../../src/import/source-statements.js';
import { specDrafts } from '../../src/import/spec-drafts.js';
import { specYaml } from '../../src/import/spec-yaml.js';
import { translateMigration } from '../../src/import/translate/translate-migration.js';
import { loadSpecFile } from '../../src/migration-spec/load-spec.js';

const migration: SourceMigration = {
  tool: 'drizzle',
  id: '0003_brave_hulk',
  file: 'drizzle/0003_brave_hulk.sql',
  path: '/app/drizzle/0003_brave_hulk.sql',
  sql: `ALTER TABLE "posts" ADD COLUMN "published" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "posts_published_idx" ON "posts" USING btree ("published");--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "tags" (
\t"id" serial PRIMARY KEY NOT NULL,
\t"label" text NOT NULL
);
-- the end`,
  firstLine: 1,
};

async function draftsOf(): Promise<{ drafts: readonly SpecDraft[]; trailing: readonly string[] }> {
  const { statements, trailingComments } = await sourceStatements(migration);
  return { drafts: specDrafts(migration, await translateMigration(statements)), trailing: trailingComments };
}

describe('spec YAML', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('writes the header, each operation with its comments, defaults left out, and the trailing comments on the last part', async () => {
    const { drafts, trailing } = await draftsOf();
    expect(drafts).toHaveLength(2);
    const texts = drafts.map((draft, i) =>
      specYaml({
        migration,
        name: `0003_brave_hulk-${i + 1}`,
        draft,
        part: i + 1,
        parts: 2,
        trailingComments: trailing,
        schemaRef: '../online.schema.json',
      }),
    );
    expect(texts[0]).toBe(`# yaml-language-server: $schema=../online.schema.json
# Imported by online from the drizzle migration 0003_brave_hulk (drizzle/0003_brave_hulk.sql).
# Part 1 of 2.

name: 0003_brave_hulk-1
operations:
  # drizzle/0003_brave_hulk.sql:1: ALTER TABLE "posts" ADD COLUMN "published" boolean DEFAULT false NOT
  #   NULL
  # add-column: the column is added without a rewrite (a volatile default is filled in batches), and NOT
  #   NULL is set through a validated CHECK
  - op: add-column
    table: posts
    column: published
    type: boolean
    default: "false"
    nullable: false
`);
    expect(texts[1]).toBe(`# yaml-language-server: $schema=../online.schema.json
# Imported by online from the drizzle migration 0003_brave_hulk (drizzle/0003_brave_hulk.sql).
# Part 2 of 2: drizzle/0003_brave_hulk.sql:2 needs the column public.posts.published that
#   drizzle/0003_brave_hulk.sql:1 creates, and online pre-flights every operation of a spec against
#   the catalog before it runs.

name: 0003_brave_hulk-2
operations:
  # drizzle/0003_brave_hulk.sql:2: CREATE INDEX IF NOT EXISTS "posts_published_idx" ON "posts" USING
  #   btree ("published")
  # create-index: CREATE INDEX CONCURRENTLY (reads and writes continue during the build; an interrupted
  #   build is detected and rebuilt); IF NOT EXISTS: a valid index of that name and definition is kept;
  #   one with another definition is refused in pre-flight
  - op: create-index
    table: posts
    name: posts_published_idx
    columns:
      - published
  # drizzle/0003_brave_hulk.sql:3: CREATE TABLE IF NOT EXISTS "tags" ( "id" serial PRIMARY KEY NOT NULL,
  #   "label" text NOT NULL )
  # sql (expand): a new table is invisible until its step commits, so creating it is safe; kept as
  #   written because create-table cannot express IF NOT EXISTS
  - op: sql
    phase: expand
    sql: |-
      CREATE TABLE IF NOT EXISTS "tags" (
      \t"id" serial PRIMARY KEY NOT NULL,
      \t"label" text NOT NULL
      )
    tables:
      - table: tags

# the end
`);
  });

  it('loads with load-spec unchanged, giving back exactly the drafted operations', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'online-spec-yaml-'));
    dirs.push(dir);
    const { drafts, trailing } = await draftsOf();
    for (const [i, draft] of drafts.entries()) {
      const name = `0003_brave_hulk-${i + 1}`;
      const path = join(dir, `${name}.yaml`);
      await writeFile(
        path,
        specYaml({
          migration,
          name,
          draft,
          part: i + 1,
          parts: drafts.length,
          trailingComments: trailing,
          schemaRef: 'online.schema.json',
        }),
      );
      const loaded = await loadSpecFile(path);
      expect(loaded.name).toBe(name);
      expect(loaded.operations).toEqual(draft.operations.map((o) => o.operation));
    }
  });
});
