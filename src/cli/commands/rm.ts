import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';
import { errorMessage } from '../../errors.js';

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
    let failed = false;
    for (const n of names) {
      try {
        await svc.remove(n, { force: flags.force as boolean, volumes: flags.volumes as boolean });
        cli.out(`${n}\n`);
      } catch (e) {
        failed = true;
        cli.err(`Error: ${errorMessage(e)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
