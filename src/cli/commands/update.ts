import type { Command } from '../command.js';
import { forEach } from '../each.js';
import { ContainerService } from '../../engine/containers.js';
import { invalid } from '../../errors.js';
import { parseSize } from '../../util/units.js';
import type { HostConfig } from '../../containers/model.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Update configuration of one or more containers',
  args: [1, Infinity],
  flags: [
    { name: 'memory', short: 'm', type: 'string', value: 'bytes', help: 'Memory limit' },
    { name: 'memory-swap', type: 'string', value: 'bytes', help: "Swap limit equal to memory plus swap: -1 to enable unlimited swap" },
    { name: 'cpus', type: 'string', value: 'decimal', help: 'Number of CPUs' },
    { name: 'cpu-shares', short: 'c', type: 'int', value: 'int', help: 'CPU shares (relative weight)' },
    { name: 'cpuset-cpus', type: 'string', value: 'string', help: 'CPUs in which to allow execution (0-3, 0,1)' },
    { name: 'pids-limit', type: 'int', value: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
    { name: 'restart', type: 'string', value: 'string', help: 'Restart policy to apply when a container exits' },
  ],
  async run(cli, flags, names) {
    const u: Parameters<ContainerService['update']>[1] = {};
    if (flags.memory) u.Memory = parseSize(flags.memory as string);
    if (flags['memory-swap']) u.MemorySwap = flags['memory-swap'] === '-1' ? -1 : parseSize(flags['memory-swap'] as string);
    if (flags.cpus !== undefined) {
      const n = Number(flags.cpus);
      if (Number.isNaN(n) || n < 0) throw invalid(`invalid --cpus "${String(flags.cpus)}"`);
      u.NanoCpus = Math.round(n * 1e9);
    }
    if (flags['cpu-shares'] !== undefined) u.CpuShares = flags['cpu-shares'] as number;
    if (flags['cpuset-cpus'] !== undefined) u.CpusetCpus = flags['cpuset-cpus'] as string;
    if (flags['pids-limit'] !== undefined) u.PidsLimit = flags['pids-limit'] as number;
    if (flags.restart) {
      const [name, max] = (flags.restart as string).split(':');
      if (!['no', 'always', 'unless-stopped', 'on-failure'].includes(name)) throw invalid(`invalid restart policy "${String(flags.restart)}"`);
      u.RestartPolicy = { Name: name as HostConfig['RestartPolicy']['Name'], MaximumRetryCount: max ? Number(max) : 0 };
    }
    if (!Object.keys(u).length) throw invalid('you must provide one or more flags when using this command');
    const svc = new ContainerService(cli.engine);
    return forEach(cli, names, (n) => svc.update(n, u));
  },
};
