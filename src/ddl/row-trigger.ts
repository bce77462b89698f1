// A BEFORE … FOR EACH ROW trigger, (re)installed idempotently: a resumed expand drops the one an
// interrupted run left and creates it again, so the trigger always matches the plan.
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';

export interface RowTrigger {
  readonly name: string;
  readonly table: QualifiedName;
  readonly events: 'insert' | 'update' | 'insert or update';
  /** The WHEN condition, SQL over NEW and OLD; none: every row. */
  readonly when?: string;
  readonly fn: QualifiedName;
}

/** `drop trigger if exists …`, then `create trigger … before <events> … for each row [when (…)] execute function …()`. */
export function replaceRowTrigger(trigger: RowTrigger): string[] {
  const name = quoteIdent(trigger.name);
  const t = quoteQualified(trigger.table);
  const when = trigger.when === undefined ? '' : `when (${trigger.when}) `;
  return [
    `drop trigger if exists ${name} on ${t}`,
    `create trigger ${name} before ${trigger.events} on ${t} for each row ${when}execute function ${quoteQualified(trigger.fn)}()`,
  ];
}
