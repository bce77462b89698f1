// The trigger function that keeps a rebuilt column's copy (its shadow) in step with the column while old
// code still writes the column (change-type, rename-column).
import { quoteIdent, type QualifiedName } from '../sql-text/quote.js';
import { createPlpgsqlFunction } from './plpgsql-function.js';
import { overRow } from './row-expression.js';

export interface SyncFunction {
  readonly name: QualifiedName;
  /** `one-way`: shadow := using(NEW) (a type change). `two-way`: whichever name the writer changed wins (a rename). */
  readonly sync: 'one-way' | 'two-way';
  readonly column: string;
  readonly shadow: string;
  /** SQL over the row giving the shadow's value (one-way only). */
  readonly using: string;
  readonly searchPath: readonly string[];
}

export function createSyncFunction(fn: SyncFunction): string {
  const col = quoteIdent(fn.column);
  const shadow = quoteIdent(fn.shadow);
  const body =
    fn.sync === 'two-way'
      ? [
          'begin',
          "  if TG_OP = 'INSERT' then",
          `    if NEW.${shadow} is null then NEW.${shadow} := NEW.${col}; else NEW.${col} := NEW.${shadow}; end if;`,
          `  elsif NEW.${shadow} is distinct from OLD.${shadow} then`,
          `    NEW.${col} := NEW.${shadow};`,
          '  else',
          `    NEW.${shadow} := NEW.${col};`,
          '  end if;',
          '  return NEW;',
          'end',
        ]
      : [
          'begin',
          '  begin',
          `    NEW.${shadow} := ${overRow(fn.using, 'NEW')};`,
          // A value the new type cannot hold must not fail the writer: the shadow stays NULL, and the
          // verify pass (or contract) then refuses with that row's key.
          '  exception when data_exception then',
          `    NEW.${shadow} := null;`,
          '  end;',
          '  return NEW;',
          'end',
        ];
  return createPlpgsqlFunction({ name: fn.name, returns: 'trigger', searchPath: fn.searchPath, body });
}
