import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';

export const command: Command = {
  usage: 'CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  aliases: ['berth container diff', 'berth diff'],
  args: [1, 1],
  flags: [],
  async run(cli, _flags, [name]) {
    for (const ch of await new ContainerService(cli.engine).diff(name)) cli.out(`${ch.kind} ${ch.path}\n`);
  },
};
