import { describe, expect, it } from 'vitest';
import { addColumnSpec, planAddColumn } from '../../src/operations/add-column.js';
import { lockTablesFirst } from '../../src/ddl/lock-tables-first.js';
import { partitionLocksFirst } from '../../src/ddl/partition-locks.js';
import { belongsToTask, partitionOfTaskId, partitionTask, plannedTaskId } from '../../src/plan/partition-tasks.js';
import { backfillPass, verifyTaskId, type BackfillTask } from '../../src/plan/plan.js';
import { SharedWorkers } from '../../phases/backfill-engine/shared-workers.js';
import type { WorkerSample, WorkerTarget } from '../../phases/backfill-engine/worker-target.js';

const tickets = { schema: 'public', name: 'tickets' };
const partitions = [
  { schema: 'public', name: 'tickets_2026_01' },
  { schema: 'public', name: 'tickets_other' },
];

describe('partition locks', () => {
  it('lock the table alone, then each partition alone, parents first', () => {
    expect(partitionLocksFirst(tickets, partitions)).toEqual([
      'lock table only "public"."tickets" in access exclusive mode',
      'lock table only "public"."tickets_2026_01" in access exclusive mode',
      'lock table only "public"."tickets_other" in access exclusive mode',
    ]);
    expect(partitionLocksFirst(tickets, [])).toEqual([]);
  });

  it('lockTablesFirst names a partitioned table and its partitions one by one, even when it is the only table', () => {
    expect(lockTablesFirst([{ table: tickets, mode: 'access exclusive', partitions }])).toEqual(partitionLocksFirst(tickets, partitions));
    expect(lockTablesFirst([{ table: tickets, mode: 'access exclusive' }])).toEqual([]);
    expect(
      lockTablesFirst([
        { table: { schema: 'public', name: 'users' }, mode: 'share row exclusive' },
        { table: tickets, mode: 'access exclusive', partitions },
      ]),
    ).toEqual(['lock table "public"."users" in share row exclusive mode', ...partitionLocksFirst(tickets, partitions)]);
  });

  it('add-column on a partitioned table: every strong-lock step opens with them; the validation scan does not', () => {
    const spec = addColumnSpec.parse({
      op: 'add-column',
      table: 'tickets',
      column: 'priority',
      type: 'text',
      backfill: "'normal'",
      nullable: false,
    });
    const plan = planAddColumn(spec, {
      key: [{ name: 'id', type: 'bigint' }],
      defaultIsVolatile: false,
      searchPath: ['public'],
      partitions,
      leaves: partitions,
    });
    const locks = partitionLocksFirst(tickets, partitions);
    const steps = [...plan.expand, ...plan.contract, ...plan.rollback];
    const validate = steps.filter((s) => s.statements.some((q) => q.includes('validate constraint')));
    // Each leaf alone, then the table.
    expect(validate.map((v) => v.description)).toEqual([
      'validate check (priority is not null) on partition tickets_2026_01',
      'validate check (priority is not null) on partition tickets_other',
      'validate check (priority is not null)',
    ]);
    expect(validate.flatMap((v) => v.statements).some((q) => q.startsWith('lock table'))).toBe(false);
    for (const step of steps.filter((s) => !validate.includes(s))) expect(step.statements.slice(0, 3)).toEqual(locks);
    // A plain table's plan is unchanged.
    const plain = planAddColumn(spec, { key: [{ name: 'id', type: 'bigint' }], defaultIsVolatile: false, searchPath: ['public'] });
    expect(
      [...plain.expand, ...plain.contract, ...plain.rollback].flatMap((s) => s.statements).some((q) => q.startsWith('lock table')),
    ).toBe(false);
  });
});

describe('leaf partition task ids', () => {
  const task: BackfillTask = { id: 'public.tickets.priority', table: tickets, key: [], set: 'x = 1', needsWork: 'x is null' };

  it('name the planned task and the leaf, and map back', () => {
    const leaf = partitionTask(task, { schema: 'public', name: 'tickets_2026_01' });
    expect(leaf.id).toBe('public.tickets.priority @ public.tickets_2026_01');
    expect(leaf.table).toEqual({ schema: 'public', name: 'tickets_2026_01' });
    expect(plannedTaskId(leaf.id)).toBe(task.id);
    expect(partitionOfTaskId(leaf.id)).toBe('public.tickets_2026_01');
    expect(partitionOfTaskId(task.id)).toBeUndefined();
    expect(belongsToTask(leaf.id, task.id)).toBe(true);
    expect(belongsToTask(task.id, task.id)).toBe(true);
    expect(belongsToTask('public.tickets.priority_2 @ public.t', task.id)).toBe(false);
  });

  it('keep the verify pass of a rebuild recognisable', () => {
    const verify = partitionTask({ ...task, id: verifyTaskId(task.id) }, { schema: 'public', name: 'tickets_other' });
    expect(backfillPass(verify)).toBe('verify');
    expect(backfillPass(partitionTask(task, { schema: 'public', name: 'tickets_other' }))).toBe('fill');
  });
});

describe('SharedWorkers', () => {
  function fixed(n: number): WorkerTarget & { readonly seen: WorkerSample[] } {
    const seen: WorkerSample[] = [];
    return { seen, wanted: () => n, observe: (s) => seen.push(s), capped: () => undefined };
  }

  it('shares the workers evenly among the running leaves, the earliest taking the remainder, each at least one', () => {
    const shared = new SharedWorkers(fixed(5));
    const a = shared.start('a');
    expect(a.wanted()).toBe(5);
    const b = shared.start('b');
    expect([a.wanted(), b.wanted()]).toEqual([3, 2]);
    const c = shared.start('c');
    const d = shared.start('d');
    const e = shared.start('e');
    const f = shared.start('f');
    expect([a, b, c, d, e, f].map((t) => t.wanted())).toEqual([1, 1, 1, 1, 1, 1]);
    for (const leaf of ['a', 'b', 'c', 'd', 'e']) shared.end(leaf);
    expect(f.wanted()).toBe(5);
  });

  it('reports the leaves summed to the run target, and wakes the scheduler after each batch', async () => {
    const total = fixed(2);
    const shared = new SharedWorkers(total);
    const a = shared.start('a');
    const b = shared.start('b');
    const woke = shared.changed();
    a.observe({ rowsCovered: 100, runningMs: 10, workers: 1 });
    await woke;
    b.observe({ rowsCovered: 50, runningMs: 12, workers: 1 });
    shared.end('a');
    b.observe({ rowsCovered: 80, runningMs: 20, workers: 2 });
    expect(total.seen).toEqual([
      { rowsCovered: 100, runningMs: 10, workers: 1 },
      { rowsCovered: 150, runningMs: 12, workers: 2 },
      { rowsCovered: 180, runningMs: 20, workers: 2 },
    ]);
  });
});
