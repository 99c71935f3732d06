import type { Command } from '../command.js';
import { errorMessage } from '../../errors.js';

export const command: Command = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  aliases: ['berth image rm', 'berth image remove', 'berth rmi'],
  args: [1, Infinity],
  flags: [
    { name: 'force', short: 'f', type: 'bool', help: 'Force removal of the image' },
    { name: 'no-prune', type: 'bool', help: 'Do not delete untagged parents' },
  ],
  async run(cli, flags, names) {
    let failed = false;
    for (const n of names) {
      try {
        for (const item of await cli.backend.images.remove(n, { force: flags.force as boolean, noPrune: flags['no-prune'] as boolean })) {
          if (item.Untagged) cli.out(`Untagged: ${item.Untagged}\n`);
          else if (item.Deleted) cli.out(`Deleted: ${item.Deleted}\n`);
        }
      } catch (e) {
        failed = true;
        cli.err(`Error: ${errorMessage(e)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
