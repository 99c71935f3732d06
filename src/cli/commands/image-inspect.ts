import type { Command } from '../command.js';
import { inspectEach } from '../each.js';

export const command: Command = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Display detailed information on one or more images',
  args: [1, Infinity],
  flags: [
    { name: 'format', short: 'f', type: 'string', value: 'string', help: "Format output using a custom template: 'json' or a Go template" },
    { name: 'type', type: 'string', value: 'string', help: 'Only inspect objects of the given type (image)' },
    { name: 'size', short: 's', type: 'bool', help: 'Display total file sizes' },
  ],
  async run(cli, flags, names) {
    return inspectEach(cli, flags.format as string | undefined, names, (n) => cli.backend.images.inspect(n));
  },
};
