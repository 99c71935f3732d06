// A container's cgroup files: its processes and its resource counters, for cgroup v1 (one
// hierarchy per controller) and v2 (one unified hierarchy). The same numbers docker's CLI
// shows: memory usage without inactive file cache, CPU time, block I/O, pids.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupMode } from './cgroups.js';

const ROOT = '/sys/fs/cgroup';

function read(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

function keyed(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of (text ?? '').split('\n')) {
    const [k, v] = l.split(/\s+/);
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

export interface CgroupStats {
  cpuNs: number;
  memUsage: number;
  memLimit: number;
  blkRead: number;
  blkWrite: number;
  pids: number;
}

export function cgroupDir(controller: string, path: string): string {
  return cgroupMode().mode === 'unified' ? join(ROOT, path) : join(ROOT, controller, path);
}

export function cgroupPids(path: string): number[] {
  const text = read(join(cgroupDir('pids', path), 'cgroup.procs')) ?? read(join(cgroupDir('memory', path), 'cgroup.procs')) ?? '';
  return text.split('\n').filter(Boolean).map(Number);
}

export function cgroupStats(path: string): CgroupStats {
  const v2 = cgroupMode().mode === 'unified';
  if (v2) {
    const dir = join(ROOT, path);
    const mem = keyed(read(join(dir, 'memory.stat')));
    const usage = Number(read(join(dir, 'memory.current')) ?? 0);
    const max = read(join(dir, 'memory.max'))?.trim();
    let rd = 0;
    let wr = 0;
    for (const l of (read(join(dir, 'io.stat')) ?? '').split('\n')) {
      rd += Number(/rbytes=(\d+)/.exec(l)?.[1] ?? 0);
      wr += Number(/wbytes=(\d+)/.exec(l)?.[1] ?? 0);
    }
    return {
      cpuNs: (keyed(read(join(dir, 'cpu.stat'))).usage_usec ?? 0) * 1000,
      memUsage: Math.max(0, usage - (mem.inactive_file ?? 0)),
      memLimit: max && max !== 'max' ? Number(max) : hostMemory(),
      blkRead: rd,
      blkWrite: wr,
      pids: Number(read(join(dir, 'pids.current')) ?? 0),
    };
  }
  const mdir = join(ROOT, 'memory', path);
  const mem = keyed(read(join(mdir, 'memory.stat')));
  const limit = Number(read(join(mdir, 'memory.limit_in_bytes')) ?? 0);
  let rd = 0;
  let wr = 0;
  for (const l of (read(join(ROOT, 'blkio', path, 'blkio.throttle.io_service_bytes')) ?? '').split('\n')) {
    const [, op, v] = l.split(' ');
    if (op === 'Read') rd += Number(v);
    if (op === 'Write') wr += Number(v);
  }
  return {
    cpuNs: Number(read(join(ROOT, 'cpuacct', path, 'cpuacct.usage')) ?? 0),
    memUsage: Math.max(0, Number(read(join(mdir, 'memory.usage_in_bytes')) ?? 0) - (mem.total_inactive_file ?? 0)),
    memLimit: limit > 0 && limit < 2 ** 62 ? Math.min(limit, hostMemory()) : hostMemory(),
    blkRead: rd,
    blkWrite: wr,
    pids: Number(read(join(ROOT, 'pids', path, 'pids.current')) ?? 0),
  };
}

function hostMemory(): number {
  const m = /MemTotal:\s+(\d+) kB/.exec(read('/proc/meminfo') ?? '');
  return m ? Number(m[1]) * 1024 : 0;
}

export function hostCpuNs(): number {
  // Total CPU time of the machine (all cores), from /proc/stat, in ns.
  const line = (read('/proc/stat') ?? '').split('\n')[0];
  const ticks = line.split(/\s+/).slice(1, 8).map(Number).reduce((a, b) => a + b, 0);
  return (ticks / 100) * 1e9;
}

export const cgroupExists = (controller: string, path: string) => existsSync(cgroupDir(controller, path));

/** The processes sharing `pid`'s PID namespace (a container's, when there is no cgroup to read). */
export function pidNamespaceMembers(pid: number): number[] {
  let ns: string;
  try {
    ns = readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) === ns) out.push(Number(name));
    } catch {
      /* gone, or not ours to look at */
    }
  }
  return out;
}
