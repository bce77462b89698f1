// Renders `check` for people and CI logs: one line per spec file (ok or error, and why), continuation
// lines for multi-line messages, then a summary. `check --json` returns the same result as data.
import type { DirectoryCheck, FileCheck } from '../api/check-directory.js';
import { displayPath } from '../config/project-files.js';

function verdict(f: FileCheck): readonly string[] {
  switch (f.outcome) {
    case 'valid':
      return ['valid'];
    case 'applied':
      return [`in the ledger (${f.status.replace('_', ' ')}), file unchanged`];
    case 'preflight-passed':
      return ['pending, pre-flight passed'];
    case 'preflight-deferred':
      return [`pending, pre-flight deferred: runs after ${f.after}, which changes ${f.table} first`];
    case 'invalid':
    case 'drift':
    case 'preflight-failed':
      return f.messages;
  }
}

export function renderCheck(result: DirectoryCheck): string {
  if (result.files.length === 0) return `no migration specs in ${displayPath(result.directory)}`;
  const width = Math.max(...result.files.map((f) => f.file.length));
  const lines: string[] = [];
  for (const f of result.files) {
    const [first = '', ...rest] = verdict(f);
    lines.push(`${f.ok ? 'ok   ' : 'error'}  ${f.file.padEnd(width)}  ${first}`);
    for (const line of rest) lines.push(`${' '.repeat(width + 9)}${line.trim()}`);
  }
  const errors = result.files.filter((f) => !f.ok).length;
  const scope = result.database
    ? 'specs, drift and pre-flight checked'
    : 'no database given: specs validated only; give one (--database-url or DATABASE_URL) to check drift and pre-flight too';
  lines.push(
    '',
    `${result.files.length} file${result.files.length === 1 ? '' : 's'}: ${result.files.length - errors} ok, ${errors} error${errors === 1 ? '' : 's'} (${scope})`,
  );
  return lines.join('\n');
}
