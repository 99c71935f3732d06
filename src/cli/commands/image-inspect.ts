import type { Command } from '../command.js';
import { ImageService } from '../../engine/images.js';
import { formatInspect } from '../format.js';
import { errorMessage } from '../../errors.js';

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
    const svc = new ImageService(cli.engine);
    const found: unknown[] = [];
    let failed = false;
    for (const n of names) {
      try {
        found.push(svc.inspectJson(svc.inspect(n)));
      } catch (e) {
        failed = true;
        cli.err(`Error: ${errorMessage(e)}\n`);
      }
    }
    if (found.length || !flags.format) cli.out(formatInspect(flags.format as string | undefined, found));
    return failed ? 1 : 0;
  },
};
