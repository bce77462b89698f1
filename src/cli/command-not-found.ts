// oclif's `command_not_found` hook: `online statu` exits 2 (invalid input) naming the nearest command,
// never prompting (scripts run this), and answers in JSON when --json was given.
import type { Hook } from '@oclif/core';
import { toConfiguredId } from '@oclif/core';
import { UnknownCommandError } from '../errors/index.js';
import { writeError } from './error-output.js';

const commandNotFound: Hook<'command_not_found'> = async function (options) {
  const { config } = options;
  const commands = config.commands.filter((c) => !c.hidden).map((c) => toConfiguredId(c.id, config));
  const error = new UnknownCommandError(
    toConfiguredId(
      unknownPart(
        options.id,
        config.topics.map((t) => t.name),
      ),
      config,
    ),
    commands,
  );
  const argv = options.argv ?? [];
  const end = argv.indexOf('--');
  writeError((end < 0 ? argv : argv.slice(0, end)).includes('--json'), error.toJSON(), error.message, error.exitCode);
  this.exit(error.exitCode);
};

/** With a space as topic separator oclif joins the words after the command too (`statu my-migration`): keep the known topics and the first unknown word. */
function unknownPart(id: string, topics: readonly string[]): string {
  const words = id.split(':');
  let known = 0;
  while (known < words.length - 1 && topics.includes(words.slice(0, known + 1).join(':'))) known++;
  return words.slice(0, known + 1).join(':');
}

export default commandNotFound;
