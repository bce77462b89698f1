// Turns a step that failed on the table's data into an error with samples: the duplicate values of a
// unique index, the rows a CHECK rejects, the orphans of a foreign key.
import { errorMessage, sqlState, type Sql } from '../src/db/connect.js';
import { DataViolationError } from '../src/errors/index.js';
import type { PlannedStep } from '../src/plan/plan.js';

const sampleTimeoutMs = 30_000;

/** Returns the error to throw for `error`: a DataViolationError with samples when the step explains it. */
export async function explainFailure(sql: Sql, migration: string, step: Pick<PlannedStep, 'explain'>, error: unknown): Promise<unknown> {
  const probe = step.explain;
  const state = sqlState(error);
  // A two-character probe state is an SQLSTATE class: `22` matches every data exception (22P02, 22003…).
  if (
    probe === undefined ||
    state === undefined ||
    !(probe.sqlState.length === 2 ? state.startsWith(probe.sqlState) : state === probe.sqlState)
  )
    return error;
  try {
    const samples = await sql.begin('read only', async (tx) => {
      await tx.unsafe(`set local statement_timeout = ${sampleTimeoutMs}`);
      return tx.unsafe<Record<string, unknown>[]>(probe.query);
    });
    return new DataViolationError(migration, probe.kind, probe.what, samples, { cause: error });
  } catch (sampling) {
    return new DataViolationError(migration, probe.kind, `${probe.what} (samples unavailable: ${errorMessage(sampling)})`, [], {
      cause: error,
    });
  }
}
