import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';
import { followToExit } from '../attach.js';
import { errorMessage, invalid } from '../../errors.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  aliases: ['berth container start', 'berth start'],
  args: [1, Infinity],
  flags: [
    { name: 'attach', short: 'a', type: 'bool', help: "Attach STDOUT/STDERR and forward signals" },
    { name: 'interactive', short: 'i', type: 'bool', help: "Attach container's STDIN" },
    { name: 'detach-keys', type: 'string', value: 'string', help: 'Override the key sequence for detaching a container' },
  ],
  async run(cli, flags, names) {
    const svc = new ContainerService(cli.engine);
    if (flags.attach) {
      if (names.length > 1) throw invalid('you cannot start and attach multiple containers at once');
      const c = await svc.get(names[0]);
      return followToExit(cli, svc, c, { sigProxy: true, start: true, detachKeys: flags['detach-keys'] as string | undefined });
    }
    let failed = false;
    for (const n of names) {
      try {
        await svc.start(n);
        cli.out(`${n}\n`);
      } catch (e) {
        failed = true;
        cli.err(`Error: ${errorMessage(e)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
