import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';
import { errorMessage } from '../../errors.js';

export const command: Command = {
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Block until one or more containers stop, then print their exit codes',
  aliases: ['berth container wait', 'berth wait'],
  args: [1, Infinity],
  flags: [],
  async run(cli, _flags, names) {
    const svc = new ContainerService(cli.engine);
    let failed = false;
    for (const n of names) {
      try {
        cli.out(`${await svc.wait(n)}\n`);
      } catch (e) {
        failed = true;
        cli.err(`Error: ${errorMessage(e)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
