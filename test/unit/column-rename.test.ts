import { describe, expect, it } from 'vitest';
import { renameColumnInCheck, renameColumnInIndexBody } from '../../src/sql-grammar/column-rename.js';

describe('renaming a column in an index definition (parse tree)', () => {
  it.each([
    [
      "USING btree (status, created_at) WHERE (status <> 'closed'::text)",
      'status',
      'USING btree ("state", created_at) WHERE ("state" <> \'closed\'::text)',
    ],
    ['USING btree (lower(status))', 'status', 'USING btree (lower("state"))'],
    ['USING btree (statusx, xstatus)', 'status', 'USING btree (statusx, xstatus)'],
    ['USING btree (lower(lower))', 'lower', 'USING btree (lower("state"))'],
    ['USING btree (lower(x))', 'lower', 'USING btree (lower(x))'],
    ['USING btree ("Mixed Case", lower(x))', 'Mixed Case', 'USING btree ("state", lower(x))'],
    ['USING btree ("Code" text_pattern_ops DESC NULLS LAST)', 'Code', 'USING btree ("state" text_pattern_ops DESC NULLS LAST)'],
    ['USING btree (code)', 'Code', 'USING btree (code)'],
    ['USING btree ("select", "order")', 'select', 'USING btree ("state", "order")'],
    ['USING btree (a) INCLUDE (status, b)', 'status', 'USING btree (a) INCLUDE ("state", b)'],
    ['USING btree (status) INCLUDE ("user", status)', 'user', 'USING btree (status) INCLUDE ("state", status)'],
    [
      'USING btree (status) INCLUDE (b) WHERE (status IS NOT NULL)',
      'status',
      'USING btree ("state") INCLUDE (b) WHERE ("state" IS NOT NULL)',
    ],
    [
      "USING btree (((status || ' status'::text)), status) WHERE (note <> 'status')",
      'status',
      'USING btree ((("state" || \' status\'::text)), "state") WHERE (note <> \'status\')',
    ],
    ['USING gist (text_pattern_ops)', 'text_pattern_ops', 'USING gist ("state")'],
    ['USING btree (((r).status))', 'status', 'USING btree (((r).status))'],
    ['USING btree (date) WHERE (date > ((now())::date - 1))', 'date', 'USING btree ("state") WHERE ("state" > ((now())::date - 1))'],
    ["USING btree (név) WHERE (név <> 'é'::text)", 'név', 'USING btree ("state") WHERE ("state" <> \'é\'::text)'],
  ])('%s (%s)', async (body, column, expected) => {
    expect(await renameColumnInIndexBody(body, column, 'state')).toBe(expected);
  });
});

describe('renaming a column in a CHECK definition (parse tree)', () => {
  it.each([
    [
      "CHECK ((status = ANY (ARRAY['open'::text, 'status'::text])))",
      'status',
      "CHECK ((\"state\" = ANY (ARRAY['open'::text, 'status'::text])))",
    ],
    ["CHECK ((E'it''s \\\\ status' <> status))", 'status', "CHECK ((E'it''s \\\\ status' <> \"state\"))"],
    ["CHECK ((E'it\\'s status' <> status))", 'status', "CHECK ((E'it\\'s status' <> \"state\"))"],
    ['CHECK ((date > (now())::date))', 'date', 'CHECK (("state" > (now())::date))'],
    ['CHECK (((r).x > 0))', 'x', 'CHECK (((r).x > 0))'],
    ["CHECK ((lower(lower) <> ''::text))", 'lower', 'CHECK ((lower("state") <> \'\'::text))'],
    ['CHECK (("Amount" >= 0)) NO INHERIT', 'Amount', 'CHECK (("state" >= 0)) NO INHERIT'],
    ['CHECK (("order" > 0))', 'order', 'CHECK (("state" > 0))'],
  ])('%s (%s)', async (definition, column, expected) => {
    expect(await renameColumnInCheck(definition, column, 'state')).toBe(expected);
  });
});
