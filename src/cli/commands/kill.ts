import type { Command } from '../command.js';
import { forEach } from '../each.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  aliases: ['berth container kill', 'berth kill'],
  args: [1, Infinity],
  flags: [{ name: 'signal', short: 's', type: 'string', value: 'string', default: 'KILL', help: 'Signal to send to the container' }],
  async run(cli, flags, names) {
    const containers = cli.backend.containers;
    return forEach(cli, names, (n) => containers.kill(n, flags.signal as string));
  },
};
