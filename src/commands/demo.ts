// `online demo`: a live tickets table on an embedded PostgreSQL, a real migration under traffic, and its figures.
import { Flags } from '@oclif/core';
import { OnlineCommand } from '../cli/base-command.js';
import { createProgressRenderer, progressMode } from '../cli/progress-renderer.js';
import { DemoCheckFailedError } from '../demo/demo-errors.js';
import { formatDemoSummary, type DemoSummary } from '../demo/demo-summary.js';
import { demoDefaults, runDemo } from '../demo/run-demo.js';

export default class Demo extends OnlineCommand<typeof Demo> {
  static override summary = 'Add a NOT NULL column to a live, seeded tickets table on an embedded PostgreSQL, and measure it.';
  static override description =
    'Starts a throwaway embedded PostgreSQL (it never touches your database, and takes no connection flags), seeds a customer-support `tickets` table, ' +
    'runs writers that know nothing of the new column, then adds `priority text NOT NULL` with a derived backfill through a real migration ' +
    '(before contract drops the fill trigger, the writers switch to a release that sets priority itself). ' +
    'It reports the backfill speed, the traffic latency before and during the migration, and checks every row. ' +
    'Exit codes: 0 all checks passed, 1 a check failed, 3 interrupted.';
  static override examples = [
    '<%= config.bin %> demo',
    '<%= config.bin %> demo --rows 100000 --writers 8',
    '<%= config.bin %> demo --json',
  ];
  /** None of the connection flags: the demo runs on its own embedded PostgreSQL and reads no project config. */
  static override baseFlags = {};
  static override flags = {
    rows: Flags.integer({ summary: 'Tickets to seed.', default: demoDefaults.rows, min: 1 }),
    writers: Flags.integer({
      summary: 'Concurrent application writers (one connection each).',
      default: demoDefaults.writers,
      min: 1,
      max: 64,
    }),
    'batch-size': Flags.integer({ summary: 'Initial backfill batch size.', default: demoDefaults.batchSize, min: 1 }),
  };

  public async run(): Promise<DemoSummary> {
    const json = this.jsonEnabled();
    const progress = createProgressRenderer(progressMode(json));
    const stopIgnoring = ignoreClosedSocketWrites();
    try {
      const summary = await runDemo({
        rows: this.flags.rows,
        writers: this.flags.writers,
        batchSize: this.flags['batch-size'],
        signal: this.stopSignal(),
        onEvent: progress.listener,
        onStage: (message) => (json ? this.logJson({ type: 'demo-stage', message }) : this.log(message)),
      });
      progress.stop();
      this.printSummary(summary);
      return summary;
    } catch (error) {
      progress.stop();
      if (error instanceof DemoCheckFailedError) this.printSummary(error.summary);
      throw error;
    } finally {
      stopIgnoring();
    }
  }

  private printSummary(summary: DemoSummary): void {
    if (this.jsonEnabled()) return;
    this.log(['', 'online demo summary', ...formatDemoSummary(summary)].join('\n'));
  }
}

/**
 * On Ctrl-C the embedded server goes down under live connections, and postgres.js 3.4 may then
 * throw from a timer writing to the closed socket (porsager/postgres#1208). The query was already
 * rejected, so that one error is dropped: the demo can still stop the server and remove its files.
 */
function ignoreClosedSocketWrites(): () => void {
  const onUncaught = (error: Error): void => {
    const closedSocketWrite =
      error instanceof TypeError && error.message.includes("reading 'write'") && (error.stack ?? '').includes('postgres/src/connection.js');
    if (closedSocketWrite) return;
    process.stderr.write(`${error.stack ?? String(error)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', onUncaught);
  return () => process.off('uncaughtException', onUncaught);
}
