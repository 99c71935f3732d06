import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';

// Containers publish no ports until networks exist (next stage): the list is empty.
export const command: Command = {
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  summary: 'List port mappings or a specific mapping for the container',
  args: [1, 2],
  flags: [],
  async run(cli, _flags, [name, port]) {
    await new ContainerService(cli.engine).get(name);
    if (port) {
      cli.err(`Error: No public port '${port.includes('/') ? port : `${port}/tcp`}' published for ${name}\n`);
      return 1;
    }
  },
};
