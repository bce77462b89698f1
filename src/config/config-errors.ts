// Errors of the project setup: an invalid or unreadable config file, a config `init` will not
// overwrite, a missing migrations directory. All are bad input: exit 2, nothing changed.
import { OnlineError } from '../errors/index.js';

export class ConfigError extends OnlineError {
  readonly issues: readonly string[];
  /** `file` as the user knows it (the name found in the working directory, or the --config path). */
  constructor(
    readonly file: string,
    issues: readonly string[],
    options?: { cause?: unknown },
  ) {
    super('CONFIG_INVALID', `invalid config ${file}:\n  ${issues.join('\n  ')}`, 2, options);
    this.issues = issues;
  }
}

export class ConfigExistsError extends OnlineError {
  constructor(
    readonly file: string,
    hint = 'pass --force to overwrite it',
  ) {
    super('CONFIG_EXISTS', `${file} already exists; ${hint}`, 2);
  }
}

/** Moved to errors/ (reading a directory is below this layer); kept here for its importers. */
export { MigrationsDirMissingError } from '../errors/index.js';
