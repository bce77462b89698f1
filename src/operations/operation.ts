// What every operation provides: its spec schema, its `start <op>` flags, the tables it touches, and
// pre-flight + planning.
import type { z } from 'zod';
import type { Sql } from '../db/connect.js';
import type { QualifiedName } from '../sql-text/quote.js';
import type { OperationPlan } from '../plan/plan.js';
import type { ShorthandFlag } from './shorthand.js';

export interface PreflightContext {
  readonly sql: Sql;
  readonly serverVersionNum: number;
}

export interface Operation<S extends { readonly op: string }> {
  readonly op: S['op'];
  readonly schema: z.ZodType<S>;
  /** Its fields as `online start <op>` flags, in the order `start --help` lists them. */
  readonly shorthand: readonly ShorthandFlag<S>[];
  /** A readable migration name, e.g. `add-column-tickets-priority`. */
  defaultName(spec: S): string;
  /** The tables the operation changes (for the one-active-migration-per-table check). */
  tables(spec: S): readonly QualifiedName[];
  /** Checks the spec against the live catalog (changing nothing) and returns the plan. */
  prepare(ctx: PreflightContext, spec: S): Promise<OperationPlan>;
}
