// The keyset loop's twin over physical order: a server-side PL/pgSQL loop over ctid page ranges (TID
// range scans, PostgreSQL 14+) of about 10,000 rows each, COMMIT per batch, up to the last page that
// existed at its start. The versions it writes land past that page, so it never meets them again;
// rows already filled are skipped. Idle only: without a trigger, a row a writer moves past the last
// page before the loop reaches it would be missed.
import { priorityExpression } from '../../support/tickets-fixture.js';
import { benchTable } from '../bench-table.js';
import type { Approach } from './approach.js';
import { runServerSideLoop, serverLoopBatchRows } from './server-side-loop.js';

const body = `declare
  pages bigint := pg_relation_size('${benchTable}') / current_setting('block_size')::bigint;
  step bigint;
  page bigint := 0;
  n bigint;
begin
  select greatest(1, ceil(${serverLoopBatchRows} / greatest(1, reltuples / greatest(relpages, 1))))::bigint into step
  from pg_class where oid = '${benchTable}'::regclass;
  while page < pages loop
    update ${benchTable} set priority = ${priorityExpression}
    where ctid >= format('(%s,0)', page)::tid and ctid < format('(%s,0)', page + step)::tid and priority is null;
    get diagnostics n = row_count;
    filled := filled + n;
    page := page + step;
    commit;
  end loop;
end`;

export const ctidLoop: Approach = {
  id: 'ctid',
  label: 'server-side ctid-range loop, COMMIT per ~10,000',
  table: 'uniform',
  triggerFills: false,
  idleOnly: 'without a trigger, rows the load moves past its last page would stay unfilled',
  fill: (input) => runServerSideLoop(input, 'bench_ctid_fill', body),
};
