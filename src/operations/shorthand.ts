// `online start <op> --…`: how an operation's flags become fields of its spec. Plain data here; the
// CLI builds its oclif flags, the spec object and the flag names in errors from it.

/** How the flag's text becomes the field's value. */
export type ShorthandValue =
  /** the text as given */
  | 'text'
  /** a repeatable flag: every occurrence, in order */
  | 'texts'
  /** `a,b` → `['a', 'b']` */
  | 'comma-list'
  /** a switch: `true` when given */
  | 'true-when-given'
  /** a switch: `false` when given (`--not-null` is `nullable: false`) */
  | 'false-when-given'
  /** repeatable `column=SQL`: a record */
  | 'assignments'
  /** `id bigint, amount numeric(10,2)`: create-table's columns */
  | 'column-definitions';

/** A top-level field of the spec; of any of them for a union of specs. */
type FieldOf<S> = S extends unknown ? keyof S & string : never;

export interface ShorthandFlag<S = Record<string, unknown>> {
  /** The flag without `--`, in kebab-case. */
  readonly flag: string;
  /** Where its value goes in the spec: `['references', 'table']` for `--references-table`. */
  readonly field: readonly [FieldOf<S>, ...string[]];
  readonly value: ShorthandValue;
  /** Its line in `online start --help`. Operations that share a flag share one declaration of it. */
  readonly summary: string;
}
