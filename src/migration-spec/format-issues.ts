// Turns zod issues into one line each, with a path like `operations[0].type: required`.
import type { z } from 'zod';
import { didYouMean } from '../errors/did-you-mean.js';
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
  if (issue.code === 'invalid_union' && 'discriminator' in issue) return unknownOp(issue);
  return issue.message;
}

/** `unknown op "add-colum"; did you mean add-column? (the operations: …)`; the input is there when parsed with reportInput. */
function unknownOp(issue: z.core.$ZodIssueInvalidUnion): string {
  const ops = ('options' in issue ? (issue.options ?? []) : []).map(String);
  const given = issue.input !== null && typeof issue.input === 'object' ? (issue.input as { op?: unknown }).op : undefined;
  const list = `(the operations: ${ops.join(', ')})`;
  if (given === undefined) return `required ${list}`;
  const text = String(given);
  return `unknown op "${text}"${didYouMean(text, ops)} ${list}`;
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
