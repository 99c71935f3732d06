import type { Command } from '../command.js';

export const command: Command = {
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  aliases: ['berth image tag', 'berth tag'],
  args: [2, 2],
  flags: [],
  async run(cli, _flags, [source, target]) {
    await cli.backend.images.tag(source, target);
  },
};
