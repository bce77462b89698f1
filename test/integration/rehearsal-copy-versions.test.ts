// The rehearsal copy on the other embedded majors (the main test copies 17 to 17, and 15 to 17): the
// rich schema of a PostgreSQL 14 or 18 target, copied into a server of its own major, has the
// target's catalog. On 18, a virtual generated column and NOT NULL constraints of its own too.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedBinariesInstalled } from '../../src/embedded/embedded-server.js';
import { copySchema } from '../../src/rehearsal/schema-copy.js';
import { startRehearsalServer, type RehearsalServer } from '../../src/rehearsal/rehearsal-server.js';
import { databaseSnapshot } from '../support/catalog-snapshot.js';
import { catalogDefinitions, seedRichSchema, withoutStateSchema } from '../support/rehearsal-schema.js';
import { VersionServer, type VersionDatabase } from '../support/version-server.js';

describe.each([14, 18] as const)('a rehearsal copy of a PostgreSQL %i target', (major) => {
  describe.skipIf(!embeddedBinariesInstalled(major))(`on embedded ${major}`, () => {
    const source = new VersionServer(major);
    let target: VersionDatabase;
    let rehearsal: RehearsalServer | undefined;

    beforeAll(async () => {
      await source.start();
      target = await source.database('rehearsal_source', 'select 1');
      await seedRichSchema(target.sql);
      if (major >= 18)
        await target.sql.unsafe('alter table tickets add column title_length int generated always as (length(title)) virtual');
      rehearsal = await startRehearsalServer(target.sql);
    });
    afterAll(async () => {
      await rehearsal?.stop();
      await source.stop();
    });

    it('runs on the same major and recreates every object', async () => {
      expect(rehearsal?.major).toBe(major);
      expect(rehearsal?.warnings).toEqual([]);
      const copy = postgres(rehearsal?.url ?? '', { max: 2, onnotice: () => undefined, prepare: false });
      try {
        const report = await copySchema(target.sql, copy);
        expect(report.skipped).toEqual([]);
        expect(await databaseSnapshot(copy)).toEqual(withoutStateSchema(await databaseSnapshot(target.sql)));
        expect(await catalogDefinitions(copy, true)).toEqual(await catalogDefinitions(target.sql, true));
      } finally {
        await copy.end();
      }
    });
  });
});
