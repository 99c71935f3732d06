// The OCI runtime spec (config.json) for a container: image config + the user's options +
// secure defaults (docker's capabilities, berth's seccomp profile, masked and read-only
// /proc paths, rlimits no higher than berth's own hard limits).
import type { ContainerRecord } from './model.js';
import type { ResolvedUser } from './user.js';
import { capabilities, defaultSeccomp, MASKED_PATHS, READONLY_PATHS } from './security.js';
import { ownRlimits } from '../platform/limits.js';
import { invalid } from '../errors.js';
import type { ContainerEdits } from './devices.js';
import type { UsernsMappings } from './userns.js';

export interface SpecInput {
  record: ContainerRecord;
  rootfs: string;
  user: ResolvedUser;
  args: string[];
  env: string[];
  /** files bind-mounted into /etc */
  etc: { hostname: string; hosts: string; resolvConf: string };
  cgroupsPath: string;
  /** where a named volume's data lives */
  volumeDir?: (name: string) => string;
  /** the network namespace to join (bridge networks, container:<id>) */
  netns?: string;
  /** --init: the host's static init, bind-mounted read-only */
  init?: { source: string; target: string };
  /** devices (host nodes and CDI) and the mounts CDI asks for */
  edits?: ContainerEdits;
  /** inside the user's namespace: no cgroup control, host filesystems bound rather than mounted */
  rootless?: boolean;
  /** a user namespace of the container's own (rootless --userns=keep-id) */
  userns?: UsernsMappings;
  /** namespaces to join (--pid/--ipc/--uts container:, pods) or to share with the host ('host') */
  join?: { pid?: string; ipc?: string; uts?: string };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Spec = Record<string, any>;

const DEFAULT_DEVICES_ALLOWED: Array<[string, number | null, number | null]> = [
  ['c', 1, 3], ['c', 1, 5], ['c', 1, 7], ['c', 1, 8], ['c', 1, 9], ['c', 5, 0], ['c', 5, 1], ['c', 5, 2], ['c', 136, null], ['c', 10, 200],
];

function securityOpts(opts: string[]): { noNewPrivileges: boolean; seccomp: 'default' | 'unconfined' | string; labelDisable: boolean } {
  let noNewPrivileges = false;
  let seccomp = 'default';
  let labelDisable = false;
  for (const o of opts) {
    const [k, v] = o.includes('=') ? [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)] : o.includes(':') ? [o.slice(0, o.indexOf(':')), o.slice(o.indexOf(':') + 1)] : [o, 'true'];
    if (k === 'no-new-privileges') noNewPrivileges = v !== 'false';
    else if (k === 'seccomp') seccomp = v;
    else if (k === 'label' && v === 'disable') labelDisable = true;
    else if (k === 'label' || k === 'apparmor') continue;
    else throw invalid(`invalid --security-opt: ${o}`);
  }
  return { noNewPrivileges, seccomp, labelDisable };
}

export function buildSpec(input: SpecInput, seccompFile?: (path: string) => unknown): Spec {
  const { record: c, user } = input;
  const hc = c.hostConfig;
  const caps = capabilities(hc.CapAdd ?? [], hc.CapDrop ?? [], hc.Privileged);
  const sec = securityOpts(hc.SecurityOpt ?? []);
  const own = ownRlimits();
  const nofile = Math.min(1048576, own.RLIMIT_NOFILE?.hard ?? 1048576);
  const rlimits = [{ type: 'RLIMIT_NOFILE', soft: nofile, hard: nofile }];
  for (const u of hc.Ulimits ?? []) {
    const type = `RLIMIT_${u.Name.toUpperCase()}`;
    const cap = own[type]?.hard;
    if (cap !== undefined && u.Hard > cap) throw invalid(`ulimit ${u.Name}: hard limit ${u.Hard} is above berth's own hard limit ${cap}`);
    const i = rlimits.findIndex((r) => r.type === type);
    if (i >= 0) rlimits.splice(i, 1);
    rlimits.push({ type, soft: u.Soft, hard: u.Hard });
  }
  const mounts: Spec[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    // sysfs needs a network namespace of our own user namespace; cgroupfs cannot be mounted
    // from a user namespace at all: rootless, both are bound from the host, read-only.
    input.rootless && (hc.NetworkMode === 'host' || (input.userns && input.netns))
      ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', hc.Privileged ? 'rw' : 'ro'] },
    input.rootless
      ? { destination: '/sys/fs/cgroup', type: 'bind', source: '/sys/fs/cgroup', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', hc.Privileged ? 'rw' : 'ro'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${hc.ShmSize || 64 * 1024 * 1024}`] },
    { destination: '/etc/hostname', type: 'bind', source: input.etc.hostname, options: ['rbind', 'rprivate'] },
    { destination: '/etc/hosts', type: 'bind', source: input.etc.hosts, options: ['rbind', 'rprivate'] },
    { destination: '/etc/resolv.conf', type: 'bind', source: input.etc.resolvConf, options: ['rbind', 'rprivate'] },
  ];
  for (const [dest, opts] of Object.entries(hc.Tmpfs ?? {})) {
    mounts.push({ destination: dest, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...(opts ? opts.split(',') : [])] });
  }
  for (const m of hc.Mounts ?? []) {
    if (m.Type === 'tmpfs') mounts.push({ destination: m.Target, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', ...(m.Options ?? [])] });
    else {
      const source = m.Type === 'volume' ? input.volumeDir!(m.Source) : m.Source;
      mounts.push({ destination: m.Target, type: 'bind', source, options: ['rbind', 'rprivate', m.ReadOnly ? 'ro' : 'rw', ...(m.Options ?? [])] });
    }
  }
  if (input.init) mounts.push({ destination: input.init.target, type: 'bind', source: input.init.source, options: ['bind', 'ro', 'nosuid', 'nodev'] });
  for (const m of input.edits?.mounts ?? []) mounts.push({ destination: m.destination, type: m.type ?? 'bind', source: m.source, options: m.options ?? ['rbind', 'rprivate'] });
  const namespaces: Array<{ type: string; path?: string }> = [{ type: 'mount' }];
  for (const type of ['pid', 'ipc', 'uts'] as const) {
    const j = input.join?.[type];
    if (j !== 'host') namespaces.push(j ? { type, path: j } : { type });
  }
  if (hc.NetworkMode !== 'host') namespaces.push(input.netns ? { type: 'network', path: input.netns } : { type: 'network' });
  if (input.userns) namespaces.push({ type: 'user' });
  const resources: Spec = {
    devices: hc.Privileged ? [{ allow: true, access: 'rwm' }] : [{ allow: false, access: 'rwm' }, ...DEFAULT_DEVICES_ALLOWED.map(([type, major, minor]) => ({ allow: true, type, major: major ?? undefined, minor: minor ?? undefined, access: 'rwm' }))],
  };
  for (const d of input.edits?.devices ?? []) resources.devices.push({ allow: true, type: d.type, major: d.major, minor: d.minor, access: d.access });
  if (hc.Memory > 0) resources.memory = { limit: hc.Memory, ...(hc.MemorySwap ? { swap: hc.MemorySwap } : {}) };
  if (hc.NanoCpus > 0 || hc.CpuShares > 0 || hc.CpusetCpus) {
    resources.cpu = {
      ...(hc.NanoCpus > 0 ? { quota: Math.round((hc.NanoCpus / 1e9) * 100000), period: 100000 } : {}),
      ...(hc.CpuShares > 0 ? { shares: hc.CpuShares } : {}),
      ...(hc.CpusetCpus ? { cpus: hc.CpusetCpus } : {}),
    };
  }
  if (hc.PidsLimit && hc.PidsLimit > 0) resources.pids = { limit: hc.PidsLimit };
  let seccomp: unknown;
  if (!hc.Privileged && sec.seccomp !== 'unconfined') seccomp = sec.seccomp === 'default' ? defaultSeccomp(caps) : seccompFile?.(sec.seccomp);
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: c.config.Tty,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args: input.args,
      env: input.env,
      cwd: c.config.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [] },
      rlimits,
      noNewPrivileges: sec.noNewPrivileges,
      oomScoreAdj: 0,
    },
    root: { path: input.rootfs, readonly: hc.ReadonlyRootfs },
    ...(input.join?.uts ? {} : { hostname: c.config.Hostname }),
    mounts,
    linux: {
      namespaces,
      // Rootless without a delegated cgroup (no cgroupsPath) there is nothing to apply limits with (berth warns).
      ...(input.rootless && !input.cgroupsPath ? {} : { resources, cgroupsPath: input.cgroupsPath }),
      ...(input.userns ? { uidMappings: input.userns.uid, gidMappings: input.userns.gid } : {}),
      ...(input.edits?.devices.length ? { devices: input.edits.devices.map((d) => ({ path: d.path, type: d.type, major: d.major, minor: d.minor, fileMode: d.fileMode, uid: d.uid, gid: d.gid })) } : {}),
      ...(seccomp ? { seccomp } : {}),
      ...(hc.Privileged ? {} : { maskedPaths: MASKED_PATHS, readonlyPaths: READONLY_PATHS }),
    },
  };
}
