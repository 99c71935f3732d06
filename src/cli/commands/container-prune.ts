import type { Command } from '../command.js';
import { confirm } from '../prompt.js';
import { humanSizeWithPrecision } from '../../util/units.js';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove all stopped containers',
  args: [0, 0],
  flags: [
    { name: 'filter', type: 'strings', value: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(cli, flags) {
    if (!flags.force && !(await confirm('WARNING! This will remove all stopped containers.', cli.out))) return 0;
    const { ContainersDeleted: removed, SpaceReclaimed } = await cli.backend.containers.prune(flags.filter as string[]);
    if (removed.length) cli.out(`Deleted Containers:\n${removed.map((r) => `${r}\n`).join('')}\n`);
    // docker's units.HumanSize
    cli.out(`Total reclaimed space: ${humanSizeWithPrecision(SpaceReclaimed, 4)}\n`);
  },
};
