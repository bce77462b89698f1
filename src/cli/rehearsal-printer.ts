// Renders `rehearse` for people: per migration and step, each statement with the locks it held (and
// for how long), waited for, the tables it rewrote, the forecast beside them, then the findings.
// `rehearse --json` returns the same RehearsalReport as data.
import type { ObservedLock, RehearsalReport, StatementTrace, StepTrace } from '../rehearsal/rehearsal-report.js';
import type { StatementForecast } from '../rehearsal/statement-forecast.js';

const statementWidth = 110;

function oneLine(statement: string): string {
  return statement.length <= statementWidth ? statement : `${statement.slice(0, statementWidth - 1)}…`;
}

function where(lock: { readonly table: string; readonly index?: string }): string {
  return lock.index === undefined ? lock.table : `${lock.table} (index ${lock.index})`;
}

function held(lock: ObservedLock): string {
  return lock.heldMs === null ? 'not sampled: briefer than a poll' : `${lock.heldMs} ms`;
}

function forecastText(forecast: StatementForecast | null): string {
  if (forecast === null) return 'no forecast';
  if (forecast.opaque) return 'forecast: opaque (not compared)';
  const locks = forecast.locks.map((l) => `${l.mode.toUpperCase()} ${l.schema === undefined ? l.name : `${l.schema}.${l.name}`}`);
  const rewrites = forecast.rewrites === false ? '' : `, rewrite ${forecast.rewrites === true ? 'yes' : 'maybe'}`;
  return `forecast: ${locks.length === 0 ? 'no lock' : locks.join(', ')}${rewrites}`;
}

function statementLines(s: StatementTrace): string[] {
  const lines = [`    ${oneLine(s.statement)}`, `      ${forecastText(s.forecast)}`];
  for (const lock of s.locks) lines.push(`      held    ${lock.mode.toUpperCase()} on ${where(lock)}, ${held(lock)}`);
  for (const wait of s.waits) lines.push(`      waited  ${wait.mode.toUpperCase()} on ${where(wait)}, ${wait.waitedMs} ms`);
  for (const rewrite of s.rewrites) lines.push(`      rewrote ${rewrite.table} (${rewrite.reason})`);
  for (const finding of s.findings) lines.push(`      ✗ ${finding.message}`);
  return lines;
}

function stepTitle(step: StepTrace): string {
  const name = step.index === null ? step.description : `${step.phase} ${step.index}: ${step.description}`;
  return `  ${name}${step.kind === 'locked' || step.kind === 'concurrent' ? ` [${step.kind}]` : ''}`;
}

export function renderRehearsal(report: RehearsalReport): string {
  const copy = report.sample === null ? 'schema only' : `a ${+(report.sample * 100).toFixed(4)}% sample of the rows`;
  const lines = [`Rehearsed on a copy (PostgreSQL ${report.serverVersion}, ${copy}); nothing on the target changed.`];
  for (const note of report.notes) lines.push(`  note: ${note}`);
  for (const skipped of report.skipped) lines.push(`  not rehearsed: ${skipped.migration} (${skipped.reason})`);
  for (const m of report.migrations) {
    lines.push('', `${m.migration}: ${m.status.replace('_', ' ')}${m.error === null ? '' : ` (${m.error.code}: ${m.error.message})`}`);
    for (const step of m.steps) {
      lines.push(stepTitle(step));
      for (const s of step.statements) lines.push(...statementLines(s));
    }
  }
  const w = report.writer;
  const written = w.tables.map((t) => `${t.table} ${t.updates} updates${t.seeded > 0 ? ` (after seeding ${t.seeded} rows)` : ''}`);
  lines.push(
    '',
    `Synthetic writer (lock_timeout ${w.lockTimeoutMs} ms): ${written.length === 0 ? 'no table to write to' : written.join('; ')}; ${w.errors.length} error${w.errors.length === 1 ? '' : 's'}, worst wait ${w.worstWaitMs} ms`,
  );
  for (const t of w.tables) for (const note of t.notes) lines.push(`  ${t.table}: ${note}`);
  lines.push(
    '',
    `${report.statementsTraced} statements traced (locks sampled every ${report.pollIntervalMs} ms; --max-lock-hold ${report.maxLockHoldMs} ms).`,
  );
  if (report.findings.length === 0) lines.push('No findings: every lock and rewrite was as forecast.');
  else {
    lines.push(`${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}:`);
    for (const f of report.findings) {
      const at = [f.migration, f.step].filter((part) => part !== undefined).join(', ');
      lines.push(`  ✗ [${f.kind}] ${at === '' ? '' : `${at}: `}${f.message}`);
      if (f.statement !== undefined) lines.push(`      ${oneLine(f.statement)}`);
    }
  }
  return lines.join('\n');
}
