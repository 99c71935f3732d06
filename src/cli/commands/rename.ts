import type { Command } from '../command.js';

export const command: Command = {
  usage: 'CONTAINER NEW_NAME',
  summary: 'Rename a container',
  args: [2, 2],
  flags: [],
  async run(cli, _flags, [name, newName]) {
    await cli.backend.containers.rename(name, newName);
  },
};
