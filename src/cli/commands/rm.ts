import type { Command } from '../command.js';
import { forEach } from '../each.js';
import { ContainerService } from '../../engine/containers.js';

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
    const svc = new ContainerService(cli.engine);
    return forEach(cli, names, (n) => svc.remove(n, { force: flags.force as boolean, volumes: flags.volumes as boolean }).then(() => undefined));
  },
};
