// The forecast a rehearsal compares against: src/forecast's statement analyzer (PostgreSQL's parser,
// no catalog), completed from the copy's catalog where the analyzer says only the catalog knows: a
// lock on "the table of index i", and ATTACH PARTITION's ACCESS EXCLUSIVE on the parent's default
// partition (the analyzer gives it as a note).
import { analyzeStatement } from '../forecast/statement-locks.js';
import type { CatalogLookups } from './catalog-lookups.js';
import type { ForecastLock, StatementForecaster } from './statement-forecast.js';

const attachedPartition = 'ATTACH PARTITION (the partition)';

export function analyzerForecaster(catalog: CatalogLookups): StatementForecaster {
  return async (statement) => {
    const analysis = await analyzeStatement(statement);
    const locks = analysis.locks.map((lock): ForecastLock => {
      const table = lock.target === 'table of index' ? catalog.indexTable(lock.relation) : undefined;
      return { ...(table ?? lock.relation), mode: lock.mode };
    });
    const attaching = analysis.locks.some((lock) => lock.reason === attachedPartition);
    const parent = analysis.locks.find((lock) => lock.reason !== attachedPartition);
    const defaultPartition = attaching && parent !== undefined ? catalog.defaultPartition(parent.relation) : undefined;
    if (defaultPartition !== undefined) locks.push({ ...defaultPartition, mode: 'access exclusive' });
    const rewrites = analysis.rewrites.answer === 'yes' ? true : analysis.rewrites.answer === 'maybe' ? 'maybe' : false;
    return { locks, rewrites, opaque: analysis.opaque };
  };
}
