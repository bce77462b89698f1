// Turns zod issues into one line each, with a path like `operations[0].type: required`.
import type { z } from 'zod';
import type { SpecIssue } from '../errors/index.js';

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return 'required';
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_union' && 'discriminator' in issue) {
    return `unknown op; expected one of the supported operations`;
  }
  return issue.message;
}

/** zod's issues with their paths, under `at` (the place the validated value has in the spec). */
export function specIssues(error: z.ZodError, at: readonly PropertyKey[] = []): SpecIssue[] {
  return error.issues.map((issue) => ({
    path: [...at, ...issue.path],
    problem: describeIssue(issue),
    ...(issue.code === 'unrecognized_keys' ? { unknownFields: issue.keys } : {}),
  }));
}

export function formatIssue(issue: SpecIssue): string {
  return `${formatPath(issue.path)}: ${issue.problem}`;
}

export function formatIssues(error: z.ZodError): string[] {
  return specIssues(error).map(formatIssue);
}
