import type { Command } from '../command.js';
import { ImageService } from '../../engine/images.js';
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
    const res = new ImageService(cli.engine).prune({ all, filters: flags.filter as string[] });
    if (res.untagged.length || res.deleted.length) {
      cli.out('Deleted Images:\n');
      for (const u of res.untagged) cli.out(`untagged: ${u}\n`);
      for (const d of res.deleted) cli.out(`deleted: ${d}\n`);
      cli.out('\n');
    }
    cli.out(`Total reclaimed space: ${humanSize(res.reclaimed)}\n`);
  },
};
