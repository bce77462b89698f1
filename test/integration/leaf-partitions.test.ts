import { describe, expect, it } from 'vitest';
import { listLeafPartitions, listPartitions } from '../../src/catalog/leaf-partitions.js';
import { useTestDatabase } from '../support/test-database.js';

describe('listPartitions', () => {
  const db = useTestDatabase('leaf_partitions');

  it('walks sub-partitions, parents first, and tells leaves, defaults and bounds apart', async () => {
    await db.sql.unsafe(`
      create table events (id bigint not null, at date not null, region text not null) partition by range (at);
      create table events_2026_01 partition of events for values from ('2026-01-01') to ('2026-02-01');
      create table events_2026_02 partition of events for values from ('2026-02-01') to ('2026-03-01')
        partition by list (region);
      create table events_2026_02_eu partition of events_2026_02 for values in ('eu');
      create table events_2026_02_us partition of events_2026_02 for values in ('us');
      create table events_other partition of events default;
      create table plain (id int);`);
    const all = await listPartitions(db.sql, { schema: 'public', name: 'events' });
    expect(all.map((p) => [p.name, p.level, p.kind, p.isDefault, p.parent.name])).toEqual([
      ['events_2026_01', 1, 'r', false, 'events'],
      ['events_2026_02', 1, 'p', false, 'events'],
      ['events_other', 1, 'r', true, 'events'],
      ['events_2026_02_eu', 2, 'r', false, 'events_2026_02'],
      ['events_2026_02_us', 2, 'r', false, 'events_2026_02'],
    ]);
    expect(all[0]?.bound).toBe("FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')");
    expect(all.every((p) => !p.detachPending)).toBe(true);
    const leaves = await listLeafPartitions(db.sql, { schema: 'public', name: 'events' });
    expect(leaves.map((p) => p.name)).toEqual(['events_2026_01', 'events_other', 'events_2026_02_eu', 'events_2026_02_us']);
    expect(await listPartitions(db.sql, { schema: 'public', name: 'plain' })).toEqual([]);
  });
});
