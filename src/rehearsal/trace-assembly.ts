// Puts the observations together: each lock the poller saw or an event trigger recorded goes to the
// step running then and to the statement that took it, merged per statement into held/waited/rewrite
// lists. A DDL statement's own locks are known exactly (the triggers); a lock only the poller saw is
// given to the statement running when it was first seen, or to an earlier statement of the same step
// whose forecast names it (the lock may have been taken by one that ended between two samples).
import type { LockMode } from '../db/lock-modes.js';
import type { OperationPlan } from '../plan/plan.js';
import type { LockHolding } from './lock-poller.js';
import type { ObservedLock, ObservedRewrite, ObservedWait } from './rehearsal-report.js';
import type { RunWindow, RunWindows } from './run-windows.js';
import { coversLock } from './lock-findings.js';
import type { StatementForecast } from './statement-forecast.js';
import { isPartOfTable, tableOf, type TracedRelation } from './traced-relation.js';
import { rewriteReason, type TriggerObservations } from './trigger-observations.js';
import { displayName } from '../sql-text/quote.js';

/** An observed lock, with the relation it was on (its partition ancestors decide what a forecast covers). */
export type AccumulatedLock = ObservedLock & { readonly relation: TracedRelation };

export interface StatementAccumulator {
  readonly statement: string;
  readonly locks: Map<string, AccumulatedLock>;
  readonly waits: Map<string, ObservedWait>;
  readonly rewrites: ObservedRewrite[];
}

export interface StepAccumulator {
  readonly window: RunWindow;
  readonly statements: Map<string, StatementAccumulator>;
}

export interface AssemblyInput {
  readonly windows: RunWindows;
  readonly plans: (migration: string) => OperationPlan | undefined;
  readonly holdings: readonly LockHolding[];
  readonly trigger: TriggerObservations;
  readonly relfilenodeChanges: readonly TracedRelation[];
  /** Forecasts by normalized statement text (undefined: not analyzable). */
  readonly forecasts: ReadonlyMap<string, StatementForecast | undefined>;
  /** Relations in these schemas (online's state, the trace) are the rehearsal's bookkeeping: not reported. */
  readonly ignoredSchemas: ReadonlySet<string>;
}

/** `set local lock_timeout = 250; alter table …` (how locked steps send a statement) → `alter table …`, whitespace collapsed. */
export function normalizeStatement(query: string): string {
  return query
    .replace(/^\s*set local lock_timeout = \d+;\s*/i, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/;$/, '');
}

export function assembleTraces(input: AssemblyInput): StepAccumulator[] {
  const steps = new Map<RunWindow, StepAccumulator>();
  const stepAt = (at: number): StepAccumulator | undefined => {
    const window = input.windows.at(at);
    if (window === undefined) return undefined;
    let step = steps.get(window);
    if (step === undefined) steps.set(window, (step = { window, statements: new Map() }));
    return step;
  };
  const statementOf = (step: StepAccumulator, text: string): StatementAccumulator => {
    let statement = step.statements.get(text);
    if (statement === undefined) {
      step.statements.set(text, (statement = { statement: text, locks: new Map(), waits: new Map(), rewrites: [] }));
    }
    return statement;
  };
  const ignored = (relation: TracedRelation): boolean => input.ignoredSchemas.has(tableOf(relation).schema);

  const holdings = input.holdings.filter((h) => !ignored(h.relation));
  const consumed = new Set<LockHolding>();
  for (const acquisition of input.trigger.acquisitions) {
    if (ignored(acquisition.relation)) continue;
    const step = stepAt(acquisition.at);
    if (step === undefined) continue;
    const holding = matchingHolding(holdings, consumed, acquisition);
    if (holding !== undefined) consumed.add(holding);
    const heldMs = holding === undefined ? null : Math.round(holding.lastSeen - Math.min(holding.firstSeen, acquisition.at));
    addLock(
      statementOf(step, normalizeStatement(acquisition.query)),
      acquisition.relation,
      acquisition.mode,
      heldMs,
      holding === undefined ? 'trigger' : 'both',
    );
  }
  for (const holding of holdings) {
    if (consumed.has(holding)) continue;
    const step = stepAt(holding.firstSeen);
    if (step === undefined) continue;
    const text = takerOf(step.window, normalizeStatement(holding.firstQuery), holding, input);
    const statement = statementOf(step, text);
    const ms = Math.round(holding.lastSeen - holding.firstSeen);
    if (holding.granted) addLock(statement, holding.relation, holding.mode, ms, 'poller');
    else addWait(statement, holding.relation, holding.mode, ms);
  }
  addRewrites(input, stepAt, statementOf, steps);
  return [...steps.values()].sort((a, b) => a.window.start - b.window.start);
}

/** The poller's holding of the lock a DDL statement took: same session, relation and mode, seen around the statement. */
function matchingHolding(
  holdings: readonly LockHolding[],
  consumed: ReadonlySet<LockHolding>,
  taken: { readonly pid: number; readonly oid: number; readonly mode: LockMode; readonly at: number },
): LockHolding | undefined {
  const candidates = holdings.filter(
    (h) =>
      h.granted && !consumed.has(h) && h.pid === taken.pid && h.oid === taken.oid && h.mode === taken.mode && h.lastSeen >= taken.at - 50,
  );
  return candidates.sort((a, b) => Math.abs(a.firstSeen - taken.at) - Math.abs(b.firstSeen - taken.at))[0];
}

/**
 * The statement a lock the poller saw is given to: in a planned step, the first of the step's
 * statements up to the one running at first sight whose forecast covers the lock; else that one.
 */
function takerOf(window: RunWindow, running: string, holding: LockHolding, input: AssemblyInput): string {
  if (window.index === null || (window.phase !== 'expand' && window.phase !== 'contract')) return running;
  const planned = (input.plans(window.migration)?.[window.phase][window.index - 1]?.statements ?? []).map(normalizeStatement);
  const upTo = planned.indexOf(running);
  const candidates = upTo < 0 ? planned : planned.slice(0, upTo + 1);
  return candidates.find((s) => coversLock(input.forecasts.get(s), holding.relation, holding.mode)) ?? running;
}

function lockKey(relation: TracedRelation, mode: LockMode): string {
  return `${displayName(tableOf(relation))}/${isPartOfTable(relation) ? relation.name : ''}/${mode}`;
}

function where(relation: TracedRelation): { table: string; index?: string } {
  return { table: displayName(tableOf(relation)), ...(isPartOfTable(relation) ? { index: relation.name } : {}) };
}

function addLock(
  statement: StatementAccumulator,
  relation: TracedRelation,
  mode: LockMode,
  heldMs: number | null,
  seenBy: ObservedLock['seenBy'],
): void {
  const key = lockKey(relation, mode);
  const before = statement.locks.get(key);
  const held = before?.heldMs === null || before === undefined ? heldMs : heldMs === null ? before.heldMs : Math.max(before.heldMs, heldMs);
  const seen = before === undefined || before.seenBy === seenBy ? seenBy : 'both';
  statement.locks.set(key, { ...where(relation), mode, heldMs: held, seenBy: seen, relation });
}

function addWait(statement: StatementAccumulator, relation: TracedRelation, mode: LockMode, waitedMs: number): void {
  const key = lockKey(relation, mode);
  const before = statement.waits.get(key);
  statement.waits.set(key, { ...where(relation), mode, waitedMs: Math.max(before?.waitedMs ?? 0, waitedMs) });
}

/**
 * Traced rewrites go to their statement (in the step that ran it); a table whose relfilenode changed
 * with no traced rewrite (TRUNCATE, CLUSTER, VACUUM FULL fire no table_rewrite) goes to the statement
 * that held ACCESS EXCLUSIVE on it.
 */
function addRewrites(
  input: AssemblyInput,
  stepAt: (at: number) => StepAccumulator | undefined,
  statementOf: (step: StepAccumulator, text: string) => StatementAccumulator,
  steps: ReadonlyMap<RunWindow, StepAccumulator>,
): void {
  const traced = new Set<string>();
  for (const rewrite of input.trigger.rewrites) {
    const text = normalizeStatement(rewrite.query);
    const table = displayName(tableOf(rewrite.relation));
    traced.add(table);
    const step = [...steps.values()].find((s) => s.statements.has(text)) ?? stepAt(Date.now());
    if (step !== undefined) statementOf(step, text).rewrites.push({ table, reason: rewriteReason(rewrite.reason) });
  }
  for (const relation of input.relfilenodeChanges) {
    const table = displayName(tableOf(relation));
    if (traced.has(table) || input.ignoredSchemas.has(tableOf(relation).schema)) continue;
    const holder = [...steps.values()]
      .flatMap((s) => [...s.statements.values()])
      .find((s) => [...s.locks.values()].some((l) => l.table === table && l.index === undefined && l.mode === 'access exclusive'));
    const step = stepAt(Date.now());
    const statement = holder ?? (step === undefined ? undefined : statementOf(step, '(a statement no trace saw)'));
    statement?.rewrites.push({ table, reason: 'relfilenode changed (no table_rewrite event: TRUNCATE, CLUSTER or VACUUM FULL?)' });
  }
}
