// What marking did: the ids it recorded, and those the ledger already had (marking is idempotent).

export interface MarkedApplied {
  /** Ids newly recorded as applied in the tool's ledger. */
  readonly marked: readonly string[];
  /** Ids the ledger already had. */
  readonly already: readonly string[];
}
