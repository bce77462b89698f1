// `online stop`: asks the worker running a migration, on any host, to end at its next batch or step boundary.
import { Args, Flags } from '@oclif/core';
import { stopMigration, type StopResult } from '../api/stop.js';
import { OnlineCommand } from '../cli/base-command.js';
import { nextAfterStop } from '../errors/index.js';

export default class Stop extends OnlineCommand<typeof Stop> {
  static override summary = 'Stop a running worker from any host: it ends at its next batch or step boundary and exits 3.';
  static override description = [
    'Records a stop request in the state table. The worker running the migration, on whatever host, reads it within about a second, ' +
      'finishes the batch or step under way, records the migration as stopped and exits 3 with a message naming who stopped it. ' +
      'Then `online resume NAME` continues from the last committed batch, or `online rollback NAME` undoes it; no process needs to be found. ' +
      'An `online migrate` whose current spec is stopped exits 3 too, and a re-run continues there.',
    "This command returns once the request is recorded; with --wait it returns once the worker has stopped (it follows the worker's lease). " +
      'With no NAME it acts on the only running migration, and refuses (exit 2) listing them if several are running.',
    'Exit codes: 0 requested, or already stopped (nothing to do); 2 no such migration, none or several running (without NAME), ' +
      'or the migration is not running (interrupted, failed, waiting for contract, finished: the message names its next step).',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> stop',
    '<%= config.bin %> stop add-column-tickets-priority --wait',
    '<%= config.bin %> stop add-column-tickets-priority --wait && <%= config.bin %> rollback add-column-tickets-priority',
    '<%= config.bin %> stop --json',
  ];
  static override args = { name: Args.string({ description: 'migration name (default: the only running one)' }) };
  static override flags = {
    wait: Flags.boolean({ summary: 'Return only once the worker has stopped (Ctrl-C stops waiting; the request stays recorded).' }),
  };

  public async run(): Promise<StopResult> {
    const waiting = new AbortController();
    if (this.flags.wait) process.once('SIGINT', () => waiting.abort());
    const result = await stopMigration({ ...this.connection(), migration: this.args.name, wait: this.flags.wait, signal: waiting.signal });
    this.log(describe(result));
    return result;
  }
}

function describe(r: StopResult): string {
  const next = nextAfterStop(r.migration, r.phase);
  if (!r.requested) return `${r.migration} is already stopped; ${next}`;
  if (r.workerStopped === null) return `stop requested for ${r.migration}; its worker ends at its next batch or step boundary and exits 3`;
  if (!r.workerStopped) return `stop requested for ${r.migration}; stopped waiting before its worker ended (the request stays recorded)`;
  if (r.status === 'stopped') return `${r.migration} stopped in its ${r.phase} phase; ${next}`;
  return `${r.migration}'s worker ended before it saw the request: ${r.status.replace('_', ' ')}`;
}
