import { describe, expect, it } from 'vitest';
import { ImportRefusedError } from '../../src/errors/index.js';
import type { SourceMigration, SpecDraft } from '../../src/import/import-types.js';
import { sourceStatements } from '../../src/import/source-statements.js';
import { specDrafts } from '../../src/import/spec-drafts.js';
import { translateMigration } from '../../src/import/translate/translate-migration.js';

async function drafts(sql: string): Promise<readonly SpecDraft[]> {
  const migration: SourceMigration = {
    tool: 'prisma',
    id: '1_init',
    file: '1_init/migration.sql',
    path: '/x/1_init/migration.sql',
    sql,
    firstLine: 1,
  };
  const { statements } = await sourceStatements(migration);
  return specDrafts(migration, await translateMigration(statements));
}

const opsOf = (parts: readonly SpecDraft[]): string[][] => parts.map((p) => p.operations.map((o) => o.operation.op));

describe('spec drafts', () => {
  it('one spec when nothing needs another part; consecutive SQL of one phase is one sql operation with rollbacks reversed', async () => {
    const parts = await drafts(`-- CreateEnum
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
-- CreateTable
CREATE TABLE "User" ("id" SERIAL NOT NULL, "role" "Role" NOT NULL DEFAULT 'USER', CONSTRAINT "User_pkey" PRIMARY KEY ("id"));
-- CreateIndex
CREATE INDEX "User_role_idx" ON "User"("role");
-- AddColumn
ALTER TABLE "Post" ADD COLUMN "views" INTEGER NOT NULL DEFAULT 0;`);
    expect(parts).toHaveLength(1);
    const [sql, addColumn] = parts[0]?.operations ?? [];
    expect(sql?.operation).toEqual({
      op: 'sql',
      phase: 'expand',
      sql: [
        `CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN')`,
        `CREATE TABLE "User" ("id" SERIAL NOT NULL, "role" "Role" NOT NULL DEFAULT 'USER', CONSTRAINT "User_pkey" PRIMARY KEY ("id"))`,
        `CREATE INDEX "User_role_idx" ON "User"("role")`,
      ],
      tables: [{ schema: 'public', table: 'User' }],
      rollback: ['drop table if exists "public"."User"', 'drop type if exists "Role"'],
    });
    expect(sql?.comments).toEqual([
      'CreateEnum',
      `1_init/migration.sql:2: CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN')`,
      'sql (expand): CREATE TYPE … AS ENUM: catalog only, no table scanned or rewritten; plain SQL',
      'CreateTable',
      `1_init/migration.sql:4: CREATE TABLE "User" ("id" SERIAL NOT NULL, "role" "Role" NOT NULL DEFAULT 'USER', CONSTRAINT "User_…`,
      'sql (expand): a new table is invisible until its step commits, so creating it is safe; kept as written because create-table cannot express a serial column',
      'CreateIndex',
      '1_init/migration.sql:6: CREATE INDEX "User_role_idx" ON "User"("role")',
      'sql (expand): User is created earlier in this migration, so it is still empty and unused: this is safe as plain SQL',
    ]);
    expect(addColumn?.operation.op).toBe('add-column');
    expect(addColumn?.comments[0]).toBe('AddColumn');
  });

  it('splits where an operation needs what an earlier one creates (pre-flight runs before the spec)', async () => {
    const parts = await drafts(`CREATE TYPE "Role" AS ENUM ('USER');
ALTER TABLE "User" ADD COLUMN "role" "Role" NOT NULL DEFAULT 'USER';
CREATE INDEX "User_role_idx" ON "User"("role");`);
    expect(opsOf(parts)).toEqual([['sql'], ['add-column'], ['create-index']]);
    expect(parts[0]?.splitReason).toBeUndefined();
    expect(parts[1]?.splitReason).toBe(
      '1_init/migration.sql:2 needs the type Role that 1_init/migration.sql:1 creates, and online pre-flights every operation of a spec against the catalog before it runs',
    );
    expect(parts[2]?.splitReason).toContain('needs the column public.User.role that 1_init/migration.sql:2 creates');
  });

  it('splits where operations conflict in one spec, and where a later expand step would run before an earlier contract step', async () => {
    expect(opsOf(await drafts("ALTER TABLE t DROP COLUMN a;\nALTER TABLE t ADD COLUMN a text NOT NULL DEFAULT 'x';"))).toEqual([
      ['drop-column'],
      ['add-column'],
    ]);
    const reordered = await drafts("UPDATE t SET a = 'x' WHERE a IS NULL;\nALTER TABLE t ALTER COLUMN a SET DEFAULT 'x';");
    expect(opsOf(reordered)).toEqual([['backfill'], ['sql']]);
    expect(reordered[1]?.splitReason).toBe(
      "1_init/migration.sql:2 must act after 1_init/migration.sql:1, but in one spec its expand step would run before the other's contract step",
    );
    // Constraints and indexes commute with each other; other tables do not care.
    expect(
      opsOf(
        await drafts(
          'ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);\nCREATE INDEX i ON t (a);\nALTER TABLE u DROP COLUMN b;\nALTER TABLE v ADD COLUMN c int DEFAULT 0;',
        ),
      ),
    ).toEqual([['add-check', 'create-index', 'drop-column', 'add-column']]);
  });

  it('skipped statements leave their comments and note on the next operation', async () => {
    const [part] = await drafts('-- wrap\nBEGIN;\nALTER TABLE t ADD COLUMN a int DEFAULT 0;\nCOMMIT;');
    expect(part?.operations).toHaveLength(1);
    expect(part?.operations[0]?.comments).toEqual([
      'wrap',
      '1_init/migration.sql:2: BEGIN',
      'skipped: transaction control: online runs every step in its own transaction',
      '1_init/migration.sql:3: ALTER TABLE t ADD COLUMN a int DEFAULT 0',
      'add-column: the column is added without a rewrite (a volatile default is filled in batches)',
      '1_init/migration.sql:4: COMMIT',
      'skipped: transaction control: online runs every step in its own transaction',
    ]);
  });

  it('refuses the whole migration, listing every refused statement with where it is', async () => {
    const refused = await drafts('VACUUM FULL t;\nALTER TABLE t ADD COLUMN a int DEFAULT 0;\nALTER TABLE t SET TABLESPACE x;').catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ImportRefusedError);
    expect((refused as ImportRefusedError).refusals.map((r) => [r.where, r.sql])).toEqual([
      ['1_init/migration.sql:1', 'VACUUM FULL t'],
      ['1_init/migration.sql:3', 'ALTER TABLE t SET TABLESPACE x'],
    ]);
    expect((refused as ImportRefusedError).exitCode).toBe(2);
  });
});
