// Which cgroup hierarchy the host runs: unified (v2 only), hybrid (v1 controllers plus a
// cgroup2 mount), or legacy (v1 only). Read from /proc/self/mountinfo.
import { accessSync, constants, readFileSync } from 'node:fs';

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
 * The cgroup v2 subtree systemd delegates to a user (`user@UID.service`, Delegate=yes): the
 * nearest such ancestor of this process's own cgroup (`0::/...` in /proc/self/cgroup).
 */
export function delegatedBase(procSelfCgroup: string, uid: number): string | undefined {
  const line = procSelfCgroup.split('\n').find((l) => l.startsWith('0::'));
  if (!line) return undefined;
  const parts = line.slice(3).split('/');
  const i = parts.indexOf(`user@${uid}.service`);
  return i < 0 ? undefined : parts.slice(0, i + 1).join('/');
}

export type RootlessLimits = { enforced: true; base: string; controllers: string[] } | { enforced: false; reason: string };

let limits: RootlessLimits | undefined;

/**
 * Whether a rootless berth can enforce resource limits here: only in a cgroup v2 subtree
 * delegated to the user, with the controllers it delegates. Anything else is reported and
 * warned about, never silently dropped.
 */
export function rootlessLimits(uid = hostUidOf()): RootlessLimits {
  if (limits) return limits;
  const { version, mode } = cgroupMode();
  if (version === 1 || mode !== 'unified') return (limits = { enforced: false, reason: 'this host uses cgroup v1 (hybrid), which cannot be delegated to a user' });
  let base: string | undefined;
  try {
    base = delegatedBase(readFileSync('/proc/self/cgroup', 'utf8'), uid);
  } catch {
    base = undefined;
  }
  if (!base) return (limits = { enforced: false, reason: 'no cgroup v2 subtree is delegated to this user (run berth from a systemd user session, or under a unit with Delegate=yes)' });
  const dir = `/sys/fs/cgroup${base}`;
  try {
    accessSync(dir, constants.W_OK);
    const controllers = readFileSync(`${dir}/cgroup.controllers`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return (limits = { enforced: true, base, controllers });
  } catch {
    return (limits = { enforced: false, reason: `the delegated cgroup ${base} is not writable by this user` });
  }
}

function hostUidOf(): number {
  const m = /^\s*0\s+(\d+)/m.exec(readFileSync('/proc/self/uid_map', 'utf8'));
  return m ? Number(m[1]) : process.getuid?.() ?? 0;
}

/**
 * Where a container's (or build step's) cgroup goes: /berth/<id> as root; rootless, under the
 * subtree delegated to the user, or nowhere ('': no cgroup control) when there is none.
 */
export function containerCgroupPath(rootless: boolean, id: string): string {
  if (!rootless) return `/berth/${id}`;
  const limits = rootlessLimits();
  return limits.enforced ? `${limits.base}/berth/${id}` : '';
}
