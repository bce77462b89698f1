// The DDL vocabulary of online's PL/pgSQL functions: the exact SQL each piece writes.
import { describe, expect, it } from 'vitest';
import { createConversionErrorFunction, unconvertibleRowsQuery } from '../../src/ddl/conversion-error-function.js';
import { createFillFunction } from '../../src/ddl/fill-trigger.js';
import { createPlpgsqlFunction } from '../../src/ddl/plpgsql-function.js';
import { overRow } from '../../src/ddl/row-expression.js';
import { createSyncFunction } from '../../src/ddl/sync-function.js';

const fn = { schema: 'app', name: 'online_fill_t_c' };
const table = { schema: 'app', name: 'T' };
const pinned = 'set search_path = "public", pg_temp';

describe('ddl: trigger and helper functions', () => {
  it('evaluates an expression over a record as a one-row derived table', () => {
    expect(overRow('lower(name)', 'NEW')).toBe('(select (lower(name)) from (select NEW.*) as online_row)');
  });

  it('pins the search path, prefers columns over variables, and dollar-quotes around a body that holds the tag', () => {
    expect(
      createPlpgsqlFunction({
        name: fn,
        returns: 'text',
        stable: true,
        parameters: 'x int',
        searchPath: ['public'],
        body: ["begin return '$online$'; end"],
      }),
    ).toBe(
      `create or replace function "app"."online_fill_t_c"(x int) returns text language plpgsql stable ${pinned} as $online1$\n#variable_conflict use_column\nbegin return '$online$'; end\n$online1$`,
    );
  });

  it('fill: sets the column from the expression over NEW', () => {
    expect(createFillFunction(fn, 'Col', 'a || b', ['public'])).toBe(
      `create or replace function "app"."online_fill_t_c"() returns trigger language plpgsql ${pinned} as $online$\n#variable_conflict use_column\n` +
        'begin\n  NEW."Col" := (select (a || b) from (select NEW.*) as online_row);\n  return NEW;\nend\n$online$',
    );
  });

  it('sync one-way: the shadow follows using(NEW), NULL when the new type cannot hold it', () => {
    const sql = createSyncFunction({ name: fn, sync: 'one-way', column: 'c', shadow: 'c_new', using: '"c"', searchPath: ['public'] });
    expect(sql).toContain(
      'begin\n  begin\n    NEW."c_new" := (select ("c") from (select NEW.*) as online_row);\n  exception when data_exception then\n    NEW."c_new" := null;\n  end;\n  return NEW;\nend\n',
    );
  });

  it('sync two-way: whichever name the writer changed wins', () => {
    const sql = createSyncFunction({ name: fn, sync: 'two-way', column: 'a', shadow: 'b', using: '"a"', searchPath: ['public'] });
    expect(sql).toContain(
      'begin\n  if TG_OP = \'INSERT\' then\n    if NEW."b" is null then NEW."b" := NEW."a"; else NEW."a" := NEW."b"; end if;\n' +
        '  elsif NEW."b" is distinct from OLD."b" then\n    NEW."a" := NEW."b";\n  else\n    NEW."b" := NEW."a";\n  end if;\n  return NEW;\nend\n',
    );
  });

  it('conversion: a stable function of the row type giving the reason, and the query that samples the rows it refuses', () => {
    const name = { schema: 'app', name: 'online_convert_t_c' };
    expect(createConversionErrorFunction({ name, table, type: 'int', using: '"c"', searchPath: ['public'] })).toBe(
      `create or replace function "app"."online_convert_t_c"(r "app"."T") returns text language plpgsql stable ${pinned} as $online$\n#variable_conflict use_column\n` +
        'declare converted int;\nbegin\n  converted := (select ("c") from (select r.*) as online_row);\n  return null;\nexception when others then\n  return sqlerrm;\nend\n$online$',
    );
    expect(unconvertibleRowsQuery(name, table, [])).toBe(
      'select r.ctid::text as ctid, "app"."online_convert_t_c"(r) as reason from "app"."T" r where "app"."online_convert_t_c"(r) is not null limit 5',
    );
  });
});
