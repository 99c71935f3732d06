// Which cgroup hierarchy the host runs: unified (v2 only), hybrid (v1 controllers plus a
// cgroup2 mount), or legacy (v1 only). Read from /proc/self/mountinfo.
import { readFileSync } from 'node:fs';

export type CgroupMode = 'unified' | 'hybrid' | 'legacy';

let cached: { version: 1 | 2; mode: CgroupMode } | undefined;

/** The host's mode, read once per process (stats asks for every container). */
export function cgroupMode(): { version: 1 | 2; mode: CgroupMode } {
  return (cached ??= parseCgroupMode(readFileSync('/proc/self/mountinfo', 'utf8')));
}

export function parseCgroupMode(mountinfo: string): { version: 1 | 2; mode: CgroupMode } {
  let v2Root = false;
  let v2Any = false;
  let v1 = false;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep === -1) continue;
    const mountPoint = line.slice(0, sep).split(' ')[4];
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype === 'cgroup2') {
      v2Any = true;
      if (mountPoint === '/sys/fs/cgroup') v2Root = true;
    } else if (fstype === 'cgroup') v1 = true;
  }
  if (v2Root && !v1) return { version: 2, mode: 'unified' };
  if (v1 && v2Any) return { version: 1, mode: 'hybrid' };
  return { version: v1 ? 1 : 2, mode: v1 ? 'legacy' : 'unified' };
}
