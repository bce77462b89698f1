// What `pause` and `unpause` share: one optional NAME, one library call, one line of output.
import { Args } from '@oclif/core';
import { setMigrationPaused, type PauseResult } from '../api/pause.js';
import { OnlineCommand } from './base-command.js';

export abstract class PauseFlagCommand extends OnlineCommand<typeof PauseFlagCommand> {
  static override args = { name: Args.string({ description: 'migration name (default: the only active one)' }) };
  protected abstract readonly pausing: boolean;

  public async run(): Promise<PauseResult> {
    const result = await setMigrationPaused({ ...this.connection(), migration: this.args.name }, this.pausing);
    const was = result.changed ? '' : ' (it already was)';
    const worker = result.workerRunning
      ? this.pausing
        ? '; the worker idles at its next batch boundary'
        : '; the worker continues within about a second'
      : this.pausing
        ? '; no worker is running: a later `online resume` idles until unpaused'
        : '';
    this.log(`${result.migration} ${this.pausing ? 'paused' : 'unpaused'}${was}${worker}`);
    return result;
  }
}
