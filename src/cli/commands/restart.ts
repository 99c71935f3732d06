import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';
import { errorMessage } from '../../errors.js';

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
    let failed = false;
    for (const n of names) {
      try {
        await svc.stop(n, flags.time as number | undefined, flags.signal as string | undefined);
        await svc.cleanup(n);
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
