import type { Command } from '../command.js';
import type { FlagSpec } from '../args.js';
import { errorMessage } from '../../errors.js';

export const stopFlags: FlagSpec[] = [
  { name: 'time', short: 't', type: 'int', value: 'int', help: 'Seconds to wait before killing the container' },
  { name: 'signal', short: 's', type: 'string', value: 'string', help: 'Signal to send to the container' },
];

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Stop one or more running containers',
  aliases: ['berth container stop', 'berth stop'],
  args: [1, Infinity],
  flags: stopFlags,
  async run(cli, flags, names) {
    const containers = cli.backend.containers;
    const results = await Promise.allSettled(names.map((n) => containers.stop(n, flags.time as number | undefined, flags.signal as string | undefined)));
    let failed = false;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') cli.out(`${names[i]}\n`);
      else {
        failed = true;
        cli.err(`Error: ${errorMessage(r.reason)}\n`);
      }
    });
    return failed ? 1 : 0;
  },
};
