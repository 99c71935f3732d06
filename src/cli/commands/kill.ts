import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';
import { errorMessage } from '../../errors.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  aliases: ['berth container kill', 'berth kill'],
  args: [1, Infinity],
  flags: [{ name: 'signal', short: 's', type: 'string', value: 'string', default: 'KILL', help: 'Signal to send to the container' }],
  async run(cli, flags, names) {
    const svc = new ContainerService(cli.engine);
    let failed = false;
    for (const n of names) {
      try {
        await svc.kill(n, flags.signal as string);
        cli.out(`${n}\n`);
      } catch (e) {
        failed = true;
        cli.err(`Error: ${errorMessage(e)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
