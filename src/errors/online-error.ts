// The base of every error the library throws: a human message, a stable code and the exit code it maps to.

/** Exit codes of the CLI contract: 0 done, 1 failed (resumable), 2 invalid input / pre-flight, 3 stopped early. */
export type ExitCode = 0 | 1 | 2 | 3;

export class OnlineError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }

  /** Plain data for `--json` output. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, exitCode: this.exitCode };
  }
}
