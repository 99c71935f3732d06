import type { Command } from '../command.js';
import { forEach } from '../each.js';
import { ContainerService } from '../../engine/containers.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Restart one or more containers',
  aliases: ['berth container restart', 'berth restart'],
  args: [1, Infinity],
  flags: [
    { name: 'time', short: 't', type: 'int', value: 'int', help: 'Seconds to wait before killing the container' },
    { name: 'signal', short: 's', type: 'string', value: 'string', help: 'Signal to send to the container' },
  ],
  async run(cli, flags, names) {
    const svc = new ContainerService(cli.engine);
    return forEach(cli, names, async (n) => {
      await svc.stop(n, flags.time as number | undefined, flags.signal as string | undefined);
      await svc.cleanup(n);
      await svc.start(n);
    });
  },
};
