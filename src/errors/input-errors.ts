// Errors for bad input and failed pre-flight checks: all exit 2 and guarantee nothing was changed.
import { didYouMean } from './did-you-mean.js';
import { OnlineError } from './online-error.js';

/** One problem of a spec, where it is: each layer names the place in its own words (a path, a flag). */
export interface SpecIssue {
  /** Into the spec: `['operations', 0, 'references', 'table']`; empty for the spec as a whole. */
  readonly path: readonly PropertyKey[];
  readonly problem: string;
  /** For a problem of fields the schema does not have: their keys. */
  readonly unknownFields?: readonly string[];
}

export class SpecError extends OnlineError {
  /** One line each, as printed. */
  readonly issues: readonly string[];
  /** The same problems with their places, where validation found them (none for an unreadable file). */
  readonly details: readonly SpecIssue[];
  constructor(source: string, issues: readonly string[], options?: { cause?: unknown; details?: readonly SpecIssue[] }) {
    super('SPEC_INVALID', `invalid migration spec ${source}:\n  ${issues.join('\n  ')}`, 2, options);
    this.issues = issues;
    this.details = options?.details ?? [];
  }
}

export class PreflightError extends OnlineError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, `pre-flight failed: ${message}`, 2, options);
  }
}

export class TableNotFoundError extends PreflightError {
  constructor(readonly table: string) {
    super('TABLE_NOT_FOUND', `table ${table} does not exist`);
  }
}

export class ColumnExistsError extends PreflightError {
  constructor(
    readonly table: string,
    readonly column: string,
  ) {
    super('COLUMN_EXISTS', `column ${column} already exists on ${table}`);
  }
}

export class UnknownTypeError extends PreflightError {
  constructor(
    readonly typeName: string,
    options?: { cause?: unknown },
  ) {
    super('UNKNOWN_TYPE', `type "${typeName}" does not exist`, options);
  }
}

export class InvalidExpressionError extends PreflightError {
  constructor(
    readonly field: string,
    readonly expression: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('INVALID_EXPRESSION', `${field} expression does not compile: ${reason}\n  expression: ${expression}`, options);
  }
}

/**
 * Spec-provided SQL that is not exactly one expression (or query, statement, type name) of the kind its
 * field takes, as PostgreSQL's own grammar reads it: spliced, it could reach beyond its parentheses.
 */
export class SqlShapeError extends PreflightError {
  constructor(
    readonly field: string,
    readonly text: string,
    expected: string,
    reason: string,
    noun = 'expression',
  ) {
    super('INVALID_EXPRESSION', `${field} must be ${expected}: ${reason}\n  ${noun}: ${text}`);
  }
}

export class NoUsableKeyError extends PreflightError {
  constructor(readonly table: string) {
    super(
      'NO_USABLE_KEY',
      `table ${table} has no primary key and no unique index on NOT NULL columns, so it cannot be backfilled in keyset batches; add one, or use PostgreSQL 14+ where online falls back to ctid page ranges`,
    );
  }
}

/**
 * What is wrong with one run setting, in no layer's words, so each layer names the setting its own way:
 * the library `lockTimeoutMs`, the command line `--lock-timeout`, the config file `locks.lock-timeout`.
 */
export interface SettingProblem {
  /** The run option key, e.g. `maxDurationMs`. */
  readonly option: string;
  /** The problem without the setting's name, e.g. `Too big: expected number to be <=600000`. */
  readonly problem: string;
  /** The text given could not be read as a value at all (not a duration, not a size), rather than a value that is out of bounds. */
  readonly unreadable: boolean;
}

export class InvalidOptionError extends OnlineError {
  /** The run option at fault (e.g. `maxDurationMs`), when the error came from validating run settings. */
  readonly option?: string;

  constructor(
    message: string,
    readonly setting?: SettingProblem,
  ) {
    super('INVALID_OPTION', message, 2);
    this.option = setting?.option;
  }
}

/** An index spec PostgreSQL rejects (unknown column or method, an expression that does not compile…). */
export class InvalidIndexError extends PreflightError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('INVALID_INDEX', `the index does not build: ${reason}`, options);
  }
}

/** A name already taken by something other than what this migration would create. */
export class NameTakenError extends PreflightError {
  constructor(message: string) {
    super('NAME_TAKEN', message);
  }
}

/** `online start <target>` where the target is neither a spec file nor an operation. */
export class UnknownOperationError extends OnlineError {
  constructor(
    readonly target: string,
    readonly operations: readonly string[],
  ) {
    super(
      'UNKNOWN_OPERATION',
      `unknown operation '${target}'${didYouMean(target, operations)}\n` +
        `  the operations: ${operations.join(', ')}\n` +
        '  or give the path of a spec file (YAML or JSON)',
      2,
    );
  }
}

/** `online <id>` where no command has that name. */
export class UnknownCommandError extends OnlineError {
  constructor(
    readonly command: string,
    commands: readonly string[],
  ) {
    super('UNKNOWN_COMMAND', `unknown command '${command}'${didYouMean(command, commands)}\n  run \`online --help\` for the commands`, 2);
  }
}

/** Flags the command does not have, each with the nearest flag it does have. */
export class UnknownFlagError extends OnlineError {
  constructor(
    readonly flags: readonly string[],
    known: readonly string[],
    command: string,
  ) {
    const lines = flags.map((flag) => `unknown flag ${flag}${didYouMean(flag.replace(/^-+/, ''), known, (name) => `--${name}`)}`);
    super('UNKNOWN_FLAG', `${lines.join('\n')}\n  run \`online ${command} --help\` for its flags`, 2);
  }
}

/**
 * A command line oclif's parser refused (a missing argument, a flag without its value, an argument too
 * many): invalid input, nothing done. Its notes about flags that take several values are dropped: they
 * are oclif's guess, and mislead where the real mistake is elsewhere.
 */
export class UsageError extends OnlineError {
  constructor(parserMessage: string, command: string) {
    const reason = (parserMessage.split(/\n\s*Note: /)[0] ?? parserMessage).replace(/\n?See more help with --help/, '').trim();
    super('USAGE', `${reason}\n  run \`online ${command} --help\` for its arguments and flags`, 2);
  }
}
