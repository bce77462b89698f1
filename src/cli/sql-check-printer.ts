// Renders `check --sql` for people and CI logs: one block per source migration (pending, or applied and
// not judged), one line per statement (verdict, file:line, the statement shortened, its locks with each
// table's size, scan or rewrite, what online runs instead), the reasons under a failing or warning
// line, then a summary. `check --sql --json` returns the same result as data.
import type { LockCheck, MigrationCheck, SqlCheck, StatementCheck, TableSize } from '../import/check/check-types.js';
import { formatBytes } from '../throttle/byte-size.js';
import { count } from './progress-numbers.js';

const statementWidth = 60;

function shortened(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ');
  return flat.length <= statementWidth ? flat : `${flat.slice(0, statementWidth - 1)}…`;
}

function sizeWords(size: TableSize): string {
  switch (size.source) {
    case 'catalog':
      return `${size.relation} ${size.estimated ? '~' : ''}${count(size.rows)} rows ${formatBytes(size.bytes)}`;
    case 'new':
      return `${size.relation} (new)`;
    case 'unknown':
      return `${size.relation} (size unknown)`;
  }
}

const lockWords = (l: LockCheck): string => `${l.mode.toUpperCase()} ${sizeWords(l.size)}`;

function workWords(s: StatementCheck): string {
  if (s.rewrites.answer !== 'no') return s.rewrites.answer === 'yes' ? 'rewrites' : 'maybe rewrites';
  if (s.scans.answer !== 'no') return s.scans.answer === 'yes' ? 'scans' : 'maybe scans';
  return 'no scan';
}

/** What online runs instead, in a few words. */
export function replacementWords(s: StatementCheck): string {
  const r = s.replacement;
  if (r === null) return 'no translation';
  switch (r.kind) {
    case 'operation':
      return `online: ${[...new Set(r.operations.map((o) => o.op))].join(', ')}`;
    case 'sql':
      return `stays plain SQL (${r.phase})`;
    case 'skipped':
      return 'left out';
    case 'refused':
      return `refused: ${r.suggestion}`;
  }
}

const label = { fail: 'FAIL', warn: 'warn', ok: 'ok  ' } as const;

function statementLines(s: StatementCheck): string[] {
  const locks = s.locks.length === 0 ? 'no table lock' : s.locks.map(lockWords).join(', ');
  const lines = [`  ${label[s.verdict]}  ${s.where}  ${shortened(s.sql)}  ${locks}  ${workWords(s)}  → ${replacementWords(s)}`];
  for (const reason of s.reasons) lines.push(`        ${reason}`);
  if (s.verdict === 'fail' && s.replacement?.kind === 'operation') lines.push(`        instead: ${s.replacement.note}`);
  return lines;
}

function migrationLines(m: MigrationCheck): string[] {
  if (m.state === 'applied') return [`applied  ${m.id}  (in the tool's ledger: not judged)`];
  const header = m.file.includes(m.id) ? `pending  ${m.file}` : `pending  ${m.id}  ${m.file}`;
  return [header, ...(m.statements.length === 0 ? ['  (no statements)'] : m.statements.flatMap(statementLines))];
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function renderSqlCheck(result: SqlCheck): string {
  if (result.migrations.length === 0) return `no ${result.tool} migrations in ${result.source}`;
  const lines = result.migrations.flatMap((m) => ['', ...migrationLines(m)]).slice(1);
  const t = result.totals;
  const scope = result.database
    ? `sized from the database; large: ≥ ${count(result.largeTableRows)} rows`
    : 'no database given: every table the source does not create counts as large; give --database-url to size them';
  const verdict = `${t.failures === 0 ? 'no failures' : plural(t.failures, 'failure')}, ${plural(t.warnings, 'warning')} (exit ${t.failures > 0 ? 1 : 0})`;
  lines.push(
    '',
    `${result.tool}: ${plural(t.pending, 'pending migration')}, ${t.applied} applied; ${plural(t.statements, 'statement')} judged: ${verdict} (${scope})`,
  );
  return lines.join('\n');
}
