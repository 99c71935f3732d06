import type { Command } from '../command.js';
import { ContainerFiles } from '../../engine/container-files.js';

export const command: Command = {
  usage: 'CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  aliases: ['berth container diff', 'berth diff'],
  args: [1, 1],
  flags: [],
  async run(cli, _flags, [name]) {
    for (const ch of await new ContainerFiles(cli.engine).diff(name)) cli.out(`${ch.kind} ${ch.path}\n`);
  },
};
