import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';
import { confirm } from '../prompt.js';
import { parseFilters, parseTimestamp } from '../../images/filters.js';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove all stopped containers',
  args: [0, 0],
  flags: [
    { name: 'filter', type: 'strings', value: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(cli, flags) {
    const f = parseFilters(flags.filter as string[], ['until', 'label']);
    if (!flags.force && !(await confirm('WARNING! This will remove all stopped containers.', cli.out))) return 0;
    const removed = await new ContainerService(cli.engine).prune({ until: f.get('until') ? parseTimestamp(f.get('until')![0]) : undefined, labels: f.get('label') ?? [] });
    if (removed.length) cli.out(`Deleted Containers:\n${removed.map((r) => `${r}\n`).join('')}\n`);
    cli.out('Total reclaimed space: 0B\n');
  },
};
