import type { Command } from '../command.js';
import { forEach } from '../each.js';
import { ContainerService } from '../../engine/containers.js';

export const command: Command = {
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Block until one or more containers stop, then print their exit codes',
  aliases: ['berth container wait', 'berth wait'],
  args: [1, Infinity],
  flags: [],
  async run(cli, _flags, names) {
    const svc = new ContainerService(cli.engine);
    return forEach(cli, names, async (n) => String(await svc.wait(n)));
  },
};
