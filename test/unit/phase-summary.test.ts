// The phase summaries are made of the plan's own step descriptions, so `start`'s closing line says
// what `complete` will do for every operation; and the descriptions themselves say only what the SQL does.
import { describe, expect, it } from 'vitest';
import { addColumnSpec, planAddColumn } from '../../src/operations/add-column.js';
import { dropColumnSpec, planDropColumn } from '../../src/operations/drop-column.js';
import { awaitingContractLine, phaseSummary, startedSummary } from '../../src/plan/phase-summary.js';

const idKey = [{ name: 'id', type: 'bigint' }];
const noDrops = { dependants: [], goesWith: [], alsoLocks: [] };

describe('phase summaries from the plan', () => {
  it('a derived NOT NULL add-column: expanded and backfilled; complete validates, sets NOT NULL, and hands over to the default', () => {
    const spec = addColumnSpec.parse({
      op: 'add-column',
      table: 'tickets',
      column: 'priority',
      type: 'text',
      default: "'normal'",
      backfill: "'high'",
      nullable: false,
    });
    const plan = planAddColumn(spec, { key: idKey, defaultIsVolatile: false, searchPath: ['public'] });
    expect(startedSummary(plan)).toBe('expanded and backfilled');
    expect(phaseSummary(plan, 'backfill')).toBe('backfill public.tickets.priority');
    expect(awaitingContractLine('p', plan)).toBe(
      '✓ p expanded and backfilled; run `online complete p` to validate check (priority is not null); ' +
        'set priority not null (no scan: the validated check proves it) and drop the check; set the default of priority and drop the fill triggers',
    );
    expect(phaseSummary(plan, 'rollback')).toBe('drop the fill triggers, column priority and its check');
  });

  it('a nullable add-column without backfill: rollback drops the column and names no check, contract has no steps', () => {
    const spec = addColumnSpec.parse({ op: 'add-column', table: 'tickets', column: 'note', type: 'text' });
    const plan = planAddColumn(spec, { key: undefined, defaultIsVolatile: false, searchPath: ['public'] });
    expect(phaseSummary(plan, 'rollback')).toBe('drop column note');
    expect(phaseSummary(plan, 'contract')).toBeUndefined();
    expect(awaitingContractLine('n', plan)).toBe(
      '✓ n expanded; run `online complete n` to record it as completed (its contract has no steps)',
    );
  });

  it('a drop-column: start changes nothing, complete drops the column, nothing to roll back', () => {
    const spec = dropColumnSpec.parse({ op: 'drop-column', table: 'tickets', column: 'legacy_flag' });
    const plan = planDropColumn(spec, noDrops);
    expect(startedSummary(plan)).toBe('checked and recorded; nothing changed yet');
    expect(phaseSummary(plan, 'contract')).toBe('drop column legacy_flag of public.tickets');
    expect(phaseSummary(plan, 'rollback')).toBeUndefined();
  });
});
