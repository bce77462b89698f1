// The nearest known name to a mistyped one (an operation, a command, a flag), for "did you mean …?".
import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `input` by edit distance, when it is close enough to be the intended one:
 * one edit for up to three letters, else a third of the length (two to three edits), or a name that starts with
 * the input (`stat` → `status`). Ties go to the earlier candidate.
 */
export function closestName(input: string, candidates: readonly string[]): string | undefined {
  const typed = input.toLowerCase();
  // Two edits from four letters on: a swap of two letters (`jsno`) costs two.
  const allowed = typed.length <= 3 ? 1 : Math.min(3, Math.max(2, Math.floor(typed.length / 3)));
  let best: { name: string; edits: number } | undefined;
  for (const name of candidates) {
    const edits = distance(typed, name.toLowerCase());
    if (best === undefined || edits < best.edits) best = { name, edits };
  }
  if (best !== undefined && best.edits <= allowed) return best.name;
  return typed.length >= 3 ? candidates.find((name) => name.toLowerCase().startsWith(typed)) : undefined;
}

/** `; did you mean add-column?`, or nothing when no candidate is close. */
export function didYouMean(input: string, candidates: readonly string[], show: (name: string) => string = (name) => name): string {
  const near = closestName(input, candidates);
  return near === undefined ? '' : `; did you mean ${show(near)}?`;
}
