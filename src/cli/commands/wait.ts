import type { Command } from '../command.js';
import { forEach } from '../each.js';

export const command: Command = {
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Block until one or more containers stop, then print their exit codes',
  aliases: ['berth container wait', 'berth wait'],
  args: [1, Infinity],
  flags: [],
  async run(cli, _flags, names) {
    const containers = cli.backend.containers;
    return forEach(cli, names, async (n) => String(await containers.wait(n, 'not-running')));
  },
};
