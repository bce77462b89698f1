// The plan a migration was recorded with, as `start` planned it: what its phases do, for messages.
import type { OperationPlan } from '../plan/plan.js';
import { resolveMigration } from './resolve-migration.js';
import { withSession, type ConnectionInput } from './session.js';

export async function recordedPlan(input: ConnectionInput & { readonly migration: string }): Promise<OperationPlan> {
  return withSession(input, async (session) => (await resolveMigration(session, input.migration)).plan, 1);
}
