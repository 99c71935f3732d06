import type { Command } from '../command.js';
import { confirm } from '../prompt.js';
import { humanSize } from '../../util/units.js';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove unused images',
  args: [0, 0],
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Remove all unused images, not just dangling ones' },
    { name: 'filter', type: 'strings', value: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(cli, flags) {
    const all = flags.all as boolean;
    if (!flags.force) {
      const warning = all ? 'WARNING! This will remove all images without at least one container associated to them.' : 'WARNING! This will remove all dangling images.';
      if (!(await confirm(warning, cli.out))) return 0;
    }
    const res = await cli.backend.images.prune({ all, filters: flags.filter as string[] });
    if (res.ImagesDeleted?.length) {
      cli.out('Deleted Images:\n');
      for (const item of res.ImagesDeleted) cli.out(item.Untagged ? `untagged: ${item.Untagged}\n` : `deleted: ${item.Deleted}\n`);
      cli.out('\n');
    }
    cli.out(`Total reclaimed space: ${humanSize(res.SpaceReclaimed)}\n`);
  },
};
