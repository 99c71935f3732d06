// berth volume create | ls | inspect | rm | prune
import type { Command } from '../command.js';
import { forEach, inspectEach } from '../each.js';
import { formatFlag } from '../command.js';
import { formatList } from '../format.js';
import { confirm } from '../prompt.js';
import { keyValueFlags } from '../args.js';
import { humanSizeWithPrecision } from '../../util/units.js';

export const create: Command = {
  usage: '[OPTIONS] [VOLUME]',
  summary: 'Create a volume',
  args: [0, 1],
  flags: [
    { name: 'driver', short: 'd', type: 'string', value: 'string', default: 'local', help: 'Specify volume driver name' },
    { name: 'label', type: 'strings', value: 'list', help: 'Set metadata for a volume' },
    { name: 'opt', short: 'o', type: 'strings', value: 'map', help: 'Set driver specific options (type, device, o)' },
    { name: 'name', type: 'string', value: 'string', help: 'Specify volume name', hidden: true },
  ],
  async run(cli, flags, [name]) {
    const v = await cli.backend.volumes.create({ name: name ?? (flags.name as string | undefined), driver: flags.driver as string, labels: keyValueFlags(flags.label as string[], 'label'), options: keyValueFlags(flags.opt as string[], 'option') });
    cli.out(`${v.Name}\n`);
  },
};

export const ls: Command = {
  usage: '[OPTIONS]',
  summary: 'List volumes',
  args: [0, 0],
  flags: [{ name: 'filter', short: 'f', type: 'strings', value: 'filter', help: "Provide filter values (e.g. 'dangling=true')" }, formatFlag, { name: 'quiet', short: 'q', type: 'bool', help: 'Only display volume names' }],
  async run(cli, flags) {
    const rows = (await cli.backend.volumes.list(flags.filter as string[])).map((v) => ({ Driver: v.Driver, Name: v.Name, Mountpoint: v.Mountpoint, Scope: v.Scope, Labels: Object.entries(v.Labels ?? {}).map(([k, x]) => `${k}=${x}`).join(','), CreatedAt: v.CreatedAt ?? '' }));
    cli.out(formatList({ format: flags.format as string | undefined, rows, defaultTable: 'table {{.Driver}}\t{{.Name}}', quiet: flags.quiet as boolean, quietField: (r) => r.Name, headers: { Driver: 'DRIVER', Name: 'VOLUME NAME', Mountpoint: 'MOUNTPOINT', Scope: 'SCOPE' } }));
  },
};

export const inspect: Command = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  summary: 'Display detailed information on one or more volumes',
  args: [1, Infinity],
  flags: [{ name: 'format', short: 'f', type: 'string', value: 'string', help: 'Format output using a custom template' }],
  async run(cli, flags, names) {
    const volumes = cli.backend.volumes;
    return inspectEach(cli, flags.format as string | undefined, names, (n) => volumes.inspect(n));
  },
};

export const rm: Command = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  summary: 'Remove one or more volumes',
  args: [1, Infinity],
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Force the removal of one or more volumes' }],
  async run(cli, flags, names) {
    const volumes = cli.backend.volumes;
    return forEach(cli, names, (n) => volumes.remove(n, flags.force as boolean));
  },
};

export const prune: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove unused local volumes',
  args: [0, 0],
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Remove all unused volumes, not just anonymous ones' },
    { name: 'filter', type: 'strings', value: 'filter', help: "Provide filter values (e.g. 'label=<label>')" },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(cli, flags) {
    if (!flags.force && !(await confirm(flags.all ? 'WARNING! This will remove all local volumes not used by at least one container.' : 'WARNING! This will remove anonymous local volumes not used by at least one container.', cli.out))) return 0;
    const { VolumesDeleted: removed, SpaceReclaimed } = await cli.backend.volumes.prune({ all: flags.all as boolean, filters: flags.filter as string[] });
    if (removed.length) cli.out(`Deleted Volumes:\n${removed.map((r) => `${r}\n`).join('')}\n`);
    // docker's units.HumanSize
    cli.out(`Total reclaimed space: ${humanSizeWithPrecision(SpaceReclaimed, 4)}\n`);
  },
};

export const command = ls;
