import type { Command } from '../command.js';
import { forEach } from '../each.js';
import { ContainerService } from '../../engine/containers.js';
import { stopFlags } from './stop.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Restart one or more containers',
  aliases: ['berth container restart', 'berth restart'],
  args: [1, Infinity],
  flags: stopFlags,
  async run(cli, flags, names) {
    const svc = new ContainerService(cli.engine);
    return forEach(cli, names, (n) => svc.restart(n, flags.time as number | undefined, flags.signal as string | undefined).then(() => undefined));
  },
};
