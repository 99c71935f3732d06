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

/**
 * Whether a rootless berth can enforce resource limits here. It would need a cgroup v2
 * subtree delegated to the user (systemd's Delegate=yes); berth does not use one yet, so
 * rootless limits are reported and warned about, never silently dropped.
 */
export function rootlessLimits(): { enforced: false; reason: string } {
  const { version } = cgroupMode();
  return {
    enforced: false,
    reason: version === 1 ? 'this host uses cgroup v1 (hybrid), which cannot be delegated to a user' : 'berth does not use a delegated cgroup v2 subtree yet',
  };
}
