// A file in a tool's migrations directory that the importer leaves out, and why (reported, never silent).

export interface SkippedSourceFile {
  /** Relative to the path given to import. */
  readonly file: string;
  readonly reason: string;
}
