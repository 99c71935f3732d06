import type { Command } from '../command.js';
import { forEach } from '../each.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Remove one or more containers',
  aliases: ['berth container rm', 'berth container remove', 'berth rm'],
  args: [1, Infinity],
  flags: [
    { name: 'force', short: 'f', type: 'bool', help: 'Force the removal of a running container (uses SIGKILL)' },
    { name: 'volumes', short: 'v', type: 'bool', help: 'Remove anonymous volumes associated with the container' },
  ],
  async run(cli, flags, names) {
    const containers = cli.backend.containers;
    return forEach(cli, names, (n) => containers.remove(n, { force: flags.force as boolean, volumes: flags.volumes as boolean }));
  },
};
