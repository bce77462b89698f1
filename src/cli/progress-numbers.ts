// The numbers of progress output, formatted for people: counts, rates, percents and ETAs. A value that
// is not a finite number is not shown (never NaN, Infinity or "ETA NFs"), whatever computed it.

const finite = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

/** `84,220`; `?` for a value that isn't a number. */
export function count(n: number | null | undefined): string {
  return finite(n) ? Math.round(n).toLocaleString('en-US') : '?';
}

/** `42.1%`, clamped to 0–100. */
export function percentText(percent: number | null | undefined): string {
  const p = finite(percent) ? Math.min(100, Math.max(0, percent)) : 0;
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

/** `ETA 45s`, `ETA 12m`, `ETA 1h05m`; null when unknown (not a positive finite number of seconds). */
export function etaText(seconds: number | null | undefined): string | null {
  if (!finite(seconds) || seconds < 0) return null;
  const s = Math.ceil(seconds);
  if (s < 120) return `ETA ${s}s`;
  if (s < 7_200) return `ETA ${Math.round(s / 60)}m`;
  const h = Math.floor(s / 3_600);
  return `ETA ${h}h${String(Math.round((s - h * 3_600) / 60)).padStart(2, '0')}m`;
}

/** `20,000 rows/s`; null until a rate is known. */
export function rateText(rowsPerSecond: number | null | undefined): string | null {
  return finite(rowsPerSecond) && rowsPerSecond >= 0 ? `${count(rowsPerSecond)} rows/s` : null;
}

/** What one frame of a backfill shows. */
export interface BackfillFrame {
  readonly task: string;
  readonly percent: number;
  readonly rowsDone: number;
  readonly rowsPerSecond: number | null;
  readonly etaSeconds: number | null;
  readonly batchSize: number | null;
  /** Why the worker holds (paused, throttled, waiting for a window); null while it runs. */
  readonly hold: string | null;
  readonly done?: boolean;
}

/** `42.1% | 84,220 rows updated | 20,000 rows/s | batch 11,569 | ETA 5s`; a held frame names the hold instead of a rate and an ETA. */
export function backfillLine(f: BackfillFrame): string {
  const parts = [percentText(f.percent), `${count(f.rowsDone)} rows updated`];
  if (f.done === true) parts.push('done');
  else if (f.hold !== null) parts.push(f.hold);
  else {
    parts.push(rateText(f.rowsPerSecond) ?? 'rate: measuring');
    if (f.batchSize !== null) parts.push(`batch ${count(f.batchSize)}`);
    const eta = etaText(f.etaSeconds);
    if (eta !== null) parts.push(eta);
  }
  return parts.join(' | ');
}
