import type { Command } from '../command.js';
import { formatFlag } from '../command.js';
import { ContainerService } from '../../engine/containers.js';
import { formatList } from '../format.js';
import { bytesSize, humanSize } from '../../util/units.js';
import { hostCpuNs, type CgroupStats } from '../../platform/cgroup-stats.js';
import { cpus } from 'node:os';

export const command: Command = {
  usage: '[OPTIONS] [CONTAINER...]',
  summary: 'Display a live stream of container(s) resource usage statistics',
  args: [0, Infinity],
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Show all containers (default shows just running)' },
    formatFlag,
    { name: 'no-stream', type: 'bool', help: 'Disable streaming stats and only pull the first result' },
    { name: 'no-trunc', type: 'bool', help: "Don't truncate output" },
  ],
  async run(cli, flags, names) {
    const svc = new ContainerService(cli.engine);
    const targets = names.length ? names : (await svc.list(flags.all as boolean)).map((c) => c.id);
    const sample = async () => {
      const host = hostCpuNs();
      const s = await Promise.all(targets.map((t) => svc.stats(t)));
      return { host, s };
    };
    const ncpu = cpus().length;
    const render = (a: Awaited<ReturnType<typeof sample>>, b: Awaited<ReturnType<typeof sample>>) => {
      const rows = b.s.map(({ c, stats }, i) => {
        const prev: CgroupStats | undefined = a.s[i]?.stats;
        const cpu = stats && prev && b.host > a.host ? ((stats.cpuNs - prev.cpuNs) / (b.host - a.host)) * ncpu * 100 : 0;
        return {
          ID: flags['no-trunc'] ? c.id : c.id.slice(0, 12),
          Container: names.length ? names[i] : c.id.slice(0, 12),
          Name: c.name,
          CPUPerc: `${cpu.toFixed(2)}%`,
          MemUsage: stats ? `${bytesSize(stats.memUsage)} / ${bytesSize(stats.memLimit)}` : '0B / 0B',
          MemPerc: stats && stats.memLimit ? `${((stats.memUsage / stats.memLimit) * 100).toFixed(2)}%` : '0.00%',
          NetIO: '0B / 0B',
          BlockIO: stats ? `${humanSize(stats.blkRead)} / ${humanSize(stats.blkWrite)}` : '0B / 0B',
          PIDs: String(stats?.pids ?? 0),
        };
      });
      return formatList({ format: flags.format as string | undefined, rows, defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}', headers: { ID: 'CONTAINER ID', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS', Container: 'CONTAINER' } });
    };
    let prev = await sample();
    await new Promise((r) => setTimeout(r, 500));
    for (;;) {
      const next = await sample();
      const text = render(prev, next);
      if (flags['no-stream']) return void cli.out(text);
      cli.out(`${cli.stdoutIsTTY ? '\x1b[2J\x1b[H' : ''}${text}`);
      prev = next;
      await new Promise((r) => setTimeout(r, 1000));
    }
  },
};
