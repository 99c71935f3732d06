import type { Command } from '../command.js';
import { forEach } from '../each.js';
import { ContainerService } from '../../engine/containers.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  aliases: ['berth container kill', 'berth kill'],
  args: [1, Infinity],
  flags: [{ name: 'signal', short: 's', type: 'string', value: 'string', default: 'KILL', help: 'Signal to send to the container' }],
  async run(cli, flags, names) {
    const svc = new ContainerService(cli.engine);
    return forEach(cli, names, (n) => svc.kill(n, flags.signal as string).then(() => undefined));
  },
};
