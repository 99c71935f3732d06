import type { Command } from '../command.js';
import { confirm } from '../prompt.js';
import { humanSize } from '../../util/units.js';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove build cache',
  aliases: ['berth builder prune', 'berth buildx prune'],
  args: [0, 0],
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Remove all unused build cache, not just dangling ones' },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(cli, flags) {
    const all = flags.all as boolean;
    if (!flags.force && !(await confirm(`WARNING! This will remove ${all ? 'all' : 'all dangling'} build cache.\nAre you sure you want to continue? [y/N] `, (s) => cli.err(s)))) return;
    const r = await cli.backend.images.pruneBuildCache({ all });
    // docker's (legacy builder's) report
    if (r.CachesDeleted.length) cli.out(`Deleted build cache objects:\n${r.CachesDeleted.map((k) => `${k}\n`).join('')}\n`);
    cli.out(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
  },
};
