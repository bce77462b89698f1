// The forecast a rehearsal compares against: src/forecast's statement analyzer (PostgreSQL's parser).
import type { StatementForecaster } from './statement-forecast.js';

/** Placeholder until the analyzer lands: no statement is forecast. */
export function analyzerForecaster(): StatementForecaster {
  return () => Promise.resolve(undefined);
}
