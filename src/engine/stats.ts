// A container's resource usage as docker's GET /containers/{id}/stats gives it (the API's
// handler and the local backend both read it from here): cgroup counters turned into docker's
// StatsResponse, each sample carrying the one before it (precpu_stats) so that a reader can
// work out CPU use over the interval, as docker's CLI does.
import { cpus } from 'node:os';
import type { ContainerService } from './containers.js';
import type { ContainerRecord } from '../containers/model.js';
import { hostCpuNs, type CgroupStats } from '../platform/cgroup-stats.js';

interface CpuStats {
  cpu_usage: { total_usage: number; usage_in_kernelmode: number; usage_in_usermode: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

/** docker's StatsResponse, the fields berth fills (and docker's CLI reads) typed. */
export interface ContainerStats extends Record<string, unknown> {
  id: string;
  name: string;
  read: string;
  preread: string;
  pids_stats: { current?: number };
  blkio_stats: { io_service_bytes_recursive: Array<{ major: number; minor: number; op: string; value: number }> | null; [other: string]: unknown };
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
}

interface Sample {
  c: ContainerRecord;
  s: CgroupStats | undefined;
  /** the machine's CPU time, ns */
  host: number;
  at: string;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function cpuStats(x: CgroupStats | undefined, host: number): CpuStats {
  return { cpu_usage: { total_usage: x?.cpuNs ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: host, online_cpus: cpus().length, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
}

function statsJson(now: Sample, prev: Sample | undefined): ContainerStats {
  const { c, s } = now;
  return {
    read: now.at,
    preread: prev?.at ?? ZERO_TIME,
    pids_stats: { current: s?.pids ?? 0 },
    blkio_stats: { io_service_bytes_recursive: s ? [{ major: 0, minor: 0, op: 'read', value: s.blkRead }, { major: 0, minor: 0, op: 'write', value: s.blkWrite }] : null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(s, now.host),
    precpu_stats: prev ? cpuStats(prev.s, prev.host) : { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
    // usage without the inactive file cache already (platform/cgroup-stats.ts)
    memory_stats: s ? { usage: s.memUsage, limit: s.memLimit, stats: {} } : {},
    name: `/${c.name}`,
    id: c.id,
  };
}

/**
 * The samples of one container: with `stream`, one every second until the container stops
 * (or `closed` settles); without, one. A running container's first sample is taken half a
 * second after a first reading, so that it has a CPU interval to show; `oneShot` does without
 * that wait (and the interval). The container's lookup fails before anything is yielded.
 */
export async function* containerStats(svc: ContainerService, idOrName: string, o: { stream: boolean; oneShot?: boolean }, closed?: Promise<unknown>): AsyncGenerator<ContainerStats> {
  const sample = async (): Promise<Sample> => {
    const host = hostCpuNs();
    const { c, stats } = await svc.stats(idOrName);
    return { c, s: stats, host, at: new Date().toISOString() };
  };
  let gone = false;
  void closed?.then(() => (gone = true));
  const pause = (ms: number) => new Promise<void>((ok) => {
    const t = setTimeout(ok, ms);
    void closed?.then(() => {
      clearTimeout(t);
      ok();
    });
  });
  let prev = await sample();
  if (o.oneShot || !prev.c.state.Running) return void (yield statsJson(prev, undefined));
  for (let first = true; ; first = false) {
    await pause(first ? 500 : 1000);
    if (gone) return;
    let next: Sample;
    try {
      next = await sample();
    } catch (e) {
      if (first) throw e;
      return; // removed while streaming
    }
    yield statsJson(next, prev);
    if (!o.stream || !next.c.state.Running) return;
    prev = next;
  }
}
