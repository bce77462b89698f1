// What `online import` prints: one line per source migration (what became of it, the spec files and
// their operations, why a migration was split), then a summary and what to do next.
import type { ImportResult, ImportedMigration } from '../import/import-migrations.js';
import type { LedgerAgreement } from '../import/mark-applied.js';

const label: Readonly<Record<ImportedMigration['action'], string>> = {
  imported: 'imported',
  'would-import': 'would import',
  'already-imported': 'already imported',
  'nothing-to-run': 'nothing to run',
};

export function renderImport(result: ImportResult): string {
  const lines: string[] = [];
  for (const m of result.migrations) {
    const head = `${label[m.action].padEnd(16)} ${m.file}`;
    if (m.action === 'nothing-to-run') {
      lines.push(`${head}: only comments or transaction control, no spec written`);
      continue;
    }
    const [first, ...rest] = m.specs;
    lines.push(first === undefined ? head : `${head} → ${first.file} (${first.operations.join(', ')})`);
    for (const s of rest)
      lines.push(`${''.padEnd(17)}  → ${s.file} (${s.operations.join(', ')})${s.splitReason === undefined ? '' : `: ${s.splitReason}`}`);
  }
  for (const s of result.skipped) lines.push(`${'skipped'.padEnd(16)} ${s.file}: ${s.reason}`);
  lines.push(summary(result));
  return lines.join('\n');
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

function summary(result: ImportResult): string {
  const written = result.migrations.filter((m) => m.action === 'imported' || m.action === 'would-import');
  const specs = written.reduce((n, m) => n + m.specs.length, 0);
  const already = result.migrations.filter((m) => m.action === 'already-imported').length;
  const tail = already === 0 ? '' : `; ${plural(already, 'migration')} already imported`;
  if (written.length === 0) return `nothing new to import from ${result.source} (${result.tool})${tail}`;
  const what = `${plural(written.length, `${result.tool} migration`)} as ${plural(specs, 'spec')} in ${result.dir}`;
  if (result.dryRun) return `dry run: would import ${what}${tail}; nothing was written`;
  return `imported ${what}${tail}. Review them, then \`online plan ${result.dir} --pending\` and \`online migrate ${result.dir}\``;
}

/** What --mark-applied recorded in each ledger. */
export function renderLedgerAgreement(result: ImportResult, ledger: LedgerAgreement): string {
  const lines: string[] = [];
  if (ledger.stamped.length > 0)
    lines.push(
      `${result.tool} had already applied ${plural(ledger.stamped.length, 'spec')}' migrations: recorded as applied in online's ledger (stamped)`,
    );
  if (ledger.marked.length > 0)
    lines.push(
      `marked ${plural(ledger.marked.length, 'migration')} applied in ${result.tool}'s ledger: ${result.tool} will not run them; online migrate does`,
    );
  if (ledger.already.length > 0) lines.push(`${plural(ledger.already.length, 'migration')} already recorded in ${result.tool}'s ledger`);
  return lines.length === 0 ? `nothing to record in ${result.tool}'s ledger` : lines.join('\n');
}
