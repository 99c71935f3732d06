import type { Command } from '../command.js';
import { forEach } from '../each.js';
import { memorySwap, nanoCpus, resourceFlags, restartPolicy } from '../container-options.js';
import type { ContainerUpdate } from '../../backend/backend.js';
import { invalid } from '../../errors.js';
import { parseSize } from '../../util/units.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Update configuration of one or more containers',
  args: [1, Infinity],
  flags: [...resourceFlags, { name: 'restart', type: 'string', value: 'string', help: 'Restart policy to apply when a container exits' }],
  async run(cli, flags, names) {
    const u: ContainerUpdate = {};
    if (flags.memory) u.Memory = parseSize(flags.memory as string);
    if (flags['memory-swap']) u.MemorySwap = memorySwap(flags['memory-swap'] as string);
    if (flags.cpus !== undefined) u.NanoCpus = nanoCpus(flags.cpus as string);
    if (flags['cpu-shares'] !== undefined) u.CpuShares = flags['cpu-shares'] as number;
    if (flags['cpuset-cpus'] !== undefined) u.CpusetCpus = flags['cpuset-cpus'] as string;
    if (flags['pids-limit'] !== undefined) u.PidsLimit = flags['pids-limit'] as number;
    if (flags.restart) u.RestartPolicy = restartPolicy(flags.restart as string);
    if (!Object.keys(u).length) throw invalid('you must provide one or more flags when using this command');
    const containers = cli.backend.containers;
    return forEach(cli, names, (n) => containers.update(n, u));
  },
};
