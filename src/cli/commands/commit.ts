import type { Command } from '../command.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  summary: "Create a new image from a container's changes",
  aliases: ['berth container commit', 'berth commit'],
  args: [1, 2],
  flags: [
    { name: 'author', short: 'a', type: 'string', value: 'string', help: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { name: 'change', short: 'c', type: 'strings', value: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', type: 'string', value: 'string', help: 'Commit message' },
    { name: 'pause', short: 'p', type: 'bool', default: true, help: 'Pause container during commit' },
  ],
  async run(cli, flags, [name, reference]) {
    const id = await cli.backend.images.commit(name, {
      reference,
      changes: flags.change as string[],
      message: flags.message as string | undefined,
      author: flags.author as string | undefined,
      pause: flags.pause as boolean,
    });
    cli.out(`${id}\n`);
  },
};
