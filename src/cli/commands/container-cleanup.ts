import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';

// Run by the container's monitor when its process exits: records the exit, releases the
// rootfs, then restarts or removes the container as its policy says. Not for people.
export const command: Command = {
  usage: 'CONTAINER',
  summary: 'Clean up after a container has exited (run by its monitor)',
  args: [1, 1],
  flags: [{ name: 'run', type: 'string', value: 'id', help: 'Only clean up after this run of the container' }],
  async run(cli, flags, [id]) {
    await new ContainerService(cli.engine).cleanup(id, flags.run as string | undefined);
  },
};
