import type { Command } from '../command.js';
import { inspectEach } from '../each.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Display detailed information on one or more containers',
  args: [1, Infinity],
  flags: [
    { name: 'format', short: 'f', type: 'string', value: 'string', help: "Format output using a custom template: 'json' or a Go template" },
    { name: 'size', short: 's', type: 'bool', help: 'Display total file sizes' },
  ],
  async run(cli, flags, names) {
    return inspectEach(cli, flags.format as string | undefined, names, (n) => cli.backend.containers.inspect(n, { size: flags.size as boolean }));
  },
};
