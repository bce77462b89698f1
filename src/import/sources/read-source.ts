// STUB (issue 18 base): replaced by the sources work. Reads a tool's migrations in the order it applies them.
import type { SourceMigration, SourceTool } from '../import-types.js';

export interface SourceRead {
  /** The tool: `from`, or detected from the layout. */
  readonly tool: SourceTool;
  readonly migrations: readonly SourceMigration[];
}

/** Every migration under `path` (a file or a directory) in the tool's apply order. */
export async function readSourceMigrations(path: string, from?: SourceTool): Promise<SourceRead> {
  await Promise.resolve();
  throw new Error(`not built yet: readSourceMigrations(${path}, ${from ?? 'detect'})`);
}
