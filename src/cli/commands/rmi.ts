import type { Command } from '../command.js';
import { ImageService } from '../../engine/images.js';
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
    const svc = new ImageService(cli.engine);
    let failed = false;
    for (const n of names) {
      try {
        const res = svc.remove(n, { force: flags.force as boolean });
        for (const u of res.untagged) cli.out(`Untagged: ${u}\n`);
        for (const d of res.deleted) cli.out(`Deleted: ${d}\n`);
      } catch (e) {
        failed = true;
        cli.err(`Error: ${errorMessage(e)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
