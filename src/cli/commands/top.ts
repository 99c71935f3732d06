import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';
import { psOutput } from '../../engine/top.js';

export const command: Command = {
  usage: 'CONTAINER [ps OPTIONS]',
  summary: 'Display the running processes of a container',
  args: [1, Infinity],
  stopAtPositional: true,
  flags: [],
  async run(cli, _flags, [name, ...psArgs]) {
    const pids = await new ContainerService(cli.engine).processes(name);
    cli.out(await psOutput(pids, psArgs));
  },
};
