// Errors of `online stamp`: specs the ledger already knows in another state or from other content.
import { hashPrefixLength } from './directory-errors.js';
import { OnlineError } from './online-error.js';

/** A spec `stamp` will not record: the ledger has its migration, unfinished or from different content. */
export interface StampConflict {
  readonly file: string;
  readonly migration: string;
  readonly status: string;
  /** Set when the ledger's migration is completed from other content than the file's. */
  readonly recordedHash?: string;
  readonly fileHash: string;
}

function describeConflict(c: StampConflict): string {
  if (c.recordedHash !== undefined) {
    return (
      `${c.file} (migration ${c.migration}): applied from different content (recorded ${c.recordedHash.slice(0, hashPrefixLength)}, ` +
      `file now ${c.fileHash.slice(0, hashPrefixLength)}; another file of the same name?)`
    );
  }
  return `${c.file} (migration ${c.migration}): recorded ${c.status.replace('_', ' ')}; finish it with resume, complete or rollback first`;
}

export class StampConflictError extends OnlineError {
  constructor(readonly conflicts: readonly StampConflict[]) {
    super(
      'STAMP_CONFLICT',
      `refusing to stamp: the ledger already knows ${conflicts.length === 1 ? 'this spec' : 'these specs'} in another state; nothing was recorded:\n  ` +
        conflicts.map(describeConflict).join('\n  '),
      2,
    );
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), conflicts: this.conflicts };
  }
}
