import type { Command } from '../command.js';
import { toTerminal } from '../attach.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: 'Fetch the logs of a container',
  aliases: ['berth container logs', 'berth logs'],
  args: [1, 1],
  flags: [
    { name: 'follow', short: 'f', type: 'bool', help: 'Follow log output' },
    { name: 'tail', short: 'n', type: 'string', value: 'string', default: 'all', help: 'Number of lines to show from the end of the logs' },
    { name: 'timestamps', short: 't', type: 'bool', help: 'Show timestamps' },
    { name: 'since', type: 'string', value: 'string', help: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m")' },
    { name: 'until', type: 'string', value: 'string', help: 'Show logs before a timestamp or relative' },
    { name: 'details', type: 'bool', help: 'Show extra details provided to logs' },
  ],
  async run(cli, flags, [name]) {
    const o = { follow: flags.follow as boolean, tail: flags.tail as string, since: flags.since as string | undefined, until: flags.until as string | undefined, timestamps: flags.timestamps as boolean };
    await cli.backend.containers.logs(name, o, toTerminal);
  },
};
