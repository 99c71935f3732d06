import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';

// Run by a container's health scheduler each interval; also usable by hand.
export const command: Command = {
  usage: 'CONTAINER',
  summary: "Run the container's health check once (exit 0 healthy, 1 unhealthy, 2 not running)",
  args: [1, 1],
  flags: [],
  async run(cli, _flags, [name]) {
    return new ContainerService(cli.engine).healthcheck(name);
  },
};
