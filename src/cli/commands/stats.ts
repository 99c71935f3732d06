import type { Command } from '../command.js';
import { formatFlag } from '../command.js';
import type { ContainerStats } from '../../backend/backend.js';
import { formatList } from '../format.js';
import { bytesSize, humanSize } from '../../util/units.js';

/**
 * One sample as docker's CLI works it out (cli/command/container/stats_helpers.go): CPU % over
 * the interval since the sample before it, scaled by the CPUs online; memory without the
 * inactive file cache; block I/O read and written; network bytes over every interface.
 */
export function statsNumbers(v: ContainerStats): { cpuPercent: number; memory: number; memoryLimit: number; memoryPercent: number; netRx: number; netTx: number; blockRead: number; blockWrite: number; pids: number } {
  const cpuDelta = (v.cpu_stats?.cpu_usage?.total_usage ?? 0) - (v.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (v.cpu_stats?.system_cpu_usage ?? 0) - (v.precpu_stats?.system_cpu_usage ?? 0);
  const online = v.cpu_stats?.online_cpus || (v.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 0);
  const cpuPercent = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
  const mem = v.memory_stats ?? {};
  const usage = mem.usage ?? 0;
  const v1Cache = mem.stats?.total_inactive_file;
  const v2Cache = mem.stats?.inactive_file ?? 0;
  const memory = v1Cache !== undefined && v1Cache < usage ? usage - v1Cache : v2Cache < usage ? usage - v2Cache : usage;
  const memoryLimit = mem.limit ?? 0;
  let blockRead = 0;
  let blockWrite = 0;
  for (const e of v.blkio_stats?.io_service_bytes_recursive ?? []) {
    if (/^r/i.test(e.op)) blockRead += e.value;
    else if (/^w/i.test(e.op)) blockWrite += e.value;
  }
  let netRx = 0;
  let netTx = 0;
  for (const n of Object.values(v.networks ?? {})) {
    netRx += n.rx_bytes;
    netTx += n.tx_bytes;
  }
  return { cpuPercent, memory, memoryLimit, memoryPercent: memoryLimit ? (memory / memoryLimit) * 100 : 0, netRx, netTx, blockRead, blockWrite, pids: v.pids_stats?.current ?? 0 };
}

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
    const containers = cli.backend.containers;
    const targets = names.length ? names : (await containers.list({ all: flags.all as boolean })).map((c) => c.Id);
    const stream = !flags['no-stream'];
    const render = (samples: ContainerStats[]) => {
      const rows = samples.map((s, i) => {
        const n = statsNumbers(s);
        return {
          ID: flags['no-trunc'] ? s.id : s.id.slice(0, 12),
          Container: names.length ? names[i] : s.id.slice(0, 12),
          Name: s.name.replace(/^\//, ''),
          CPUPerc: `${n.cpuPercent.toFixed(2)}%`,
          MemUsage: `${bytesSize(n.memory)} / ${bytesSize(n.memoryLimit)}`,
          MemPerc: `${n.memoryPercent.toFixed(2)}%`,
          NetIO: `${humanSize(n.netRx)} / ${humanSize(n.netTx)}`,
          BlockIO: `${humanSize(n.blockRead)} / ${humanSize(n.blockWrite)}`,
          PIDs: String(n.pids),
        };
      });
      return formatList({ format: flags.format as string | undefined, rows, defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}', headers: { ID: 'CONTAINER ID', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS', Container: 'CONTAINER' } });
    };
    if (!targets.length) {
      // nothing to show: the empty table (over and over when streaming, as before there is something)
      for (;;) {
        cli.out(stream && cli.stdoutIsTTY ? `\x1b[2J\x1b[H${render([])}` : render([]));
        if (!stream) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    // Each container's samples are read at once; a frame is drawn when every container still
    // streaming has sent a new one (each keeps its last sample when its stream ends).
    const latest: Array<ContainerStats | undefined> = targets.map(() => undefined);
    const fresh = new Set<number>();
    const live = new Set(targets.map((_, i) => i));
    let failed = false;
    const draw = () => {
      if (failed || !fresh.size || latest.some((s) => !s) || [...live].some((i) => !fresh.has(i))) return;
      fresh.clear();
      const text = render(latest as ContainerStats[]);
      cli.out(stream && cli.stdoutIsTTY ? `\x1b[2J\x1b[H${text}` : text);
    };
    await Promise.all(targets.map(async (t, i) => {
      try {
        for await (const s of containers.stats(t, { stream })) {
          // one failure ends the command: the others stop at their next sample
          if (failed) break;
          latest[i] = s;
          fresh.add(i);
          draw();
          if (!stream) break;
        }
      } catch (e) {
        failed = true;
        throw e;
      } finally {
        live.delete(i);
      }
      draw();
    }));
  },
};
