import { writeFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { containerFlags, createRequest, pullFeedback } from '../container-options.js';

export const command: Command = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create a new container',
  aliases: ['berth container create', 'berth create'],
  args: [1, Infinity],
  stopAtPositional: true,
  failureCode: 125,
  flags: containerFlags,
  async run(cli, flags, [image, ...cmd]) {
    const id = await cli.backend.containers.create(createRequest(flags, image, cmd), pullFeedback(cli));
    if (flags.cidfile) writeFileSync(flags.cidfile as string, id);
    cli.out(`${id}\n`);
  },
};
