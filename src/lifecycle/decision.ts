// What the lifecycle answers a command: an action to take, or a refusal (a typed error, not yet thrown).
import type { OnlineError } from '../errors/index.js';

export type Decision<A> = { readonly action: A } | { readonly refusal: OnlineError };

export const act = <A>(action: A): Decision<A> => ({ action });

export const refuse = (refusal: OnlineError): { readonly refusal: OnlineError } => ({ refusal });

/** The action, or the refusal thrown: how a command obeys the lifecycle. */
export function obey<A>(decision: Decision<A>): A {
  if ('refusal' in decision) throw decision.refusal;
  return decision.action;
}
