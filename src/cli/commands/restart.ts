import type { Command } from '../command.js';
import { forEach } from '../each.js';
import { stopFlags } from './stop.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Restart one or more containers',
  aliases: ['berth container restart', 'berth restart'],
  args: [1, Infinity],
  flags: stopFlags,
  async run(cli, flags, names) {
    const containers = cli.backend.containers;
    return forEach(cli, names, (n) => containers.restart(n, flags.time as number | undefined, flags.signal as string | undefined));
  },
};
