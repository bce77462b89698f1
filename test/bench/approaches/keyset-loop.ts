// The "best possible batched" reference: a server-side PL/pgSQL keyset loop over the primary key,
// `UPDATE … WHERE id > last AND id <= boundary` with a COMMIT per 10,000-row batch. The boundary is
// the 10,000th key after the last one, read through the primary key's index, as a keyset tool does.
import { priorityExpression } from '../../support/tickets-fixture.js';
import { benchTable } from '../bench-table.js';
import type { Approach } from './approach.js';
import { runServerSideLoop, serverLoopBatchRows } from './server-side-loop.js';

export const keysetLoopBody = `declare
  last_id bigint := 0;
  upper_id bigint;
  boundary bigint;
  n bigint;
begin
  select max(id) into upper_id from ${benchTable};
  while last_id < upper_id loop
    select id into boundary from ${benchTable} where id > last_id order by id offset ${serverLoopBatchRows - 1} limit 1;
    boundary := least(coalesce(boundary, upper_id), upper_id);
    update ${benchTable} set priority = ${priorityExpression} where id > last_id and id <= boundary;
    get diagnostics n = row_count;
    filled := filled + n;
    last_id := boundary;
    commit;
  end loop;
end`;

export const keysetLoop: Approach = {
  id: 'keyset',
  label: 'server-side keyset loop, COMMIT per 10,000 (best batched)',
  table: 'uniform',
  triggerFills: false,
  fill: (input) => runServerSideLoop(input, 'bench_keyset_fill', keysetLoopBody),
};
