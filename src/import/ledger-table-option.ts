// `--ledger-table [schema.]table`: where the source tool keeps its ledger when it is not the tool's
// default. The names are taken as written (case kept, no quoting needed): they are quoted when used.
import { z } from 'zod';
import { InvalidOptionError } from '../errors/index.js';
import { identifier } from '../sql-text/identifier.js';
import type { SourceLedgerOptions } from './ledgers/source-ledger.js';

const ledgerTable = z.union([
  z.tuple([identifier]).transform(([table]) => ({ table })),
  z.tuple([identifier, identifier]).transform(([schema, table]) => ({ schema, table })),
]);

export function parseLedgerTable(text: string): SourceLedgerOptions {
  const parsed = ledgerTable.safeParse(text.split('.'));
  if (!parsed.success) throw new InvalidOptionError(`--ledger-table ${text}: expected table or schema.table, each a name of 1 to 63 bytes`);
  return parsed.data;
}
