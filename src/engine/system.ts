// System-wide facts for `berth info` and the API's /info.
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem, hostname, release } from 'node:os';
import type { EngineContext } from './context.js';
import { cgroupMode, rootlessLimits } from '../platform/cgroups.js';
import { probeRuntimes, type RuntimeInfo } from '../platform/runtimes.js';
import { VERSION } from '../version.js';
import { parseIdMap, type IdRange } from '../platform/userns.js';

export interface SystemInfo {
  ID: string;
  Name: string;
  ServerVersion: string;
  Images: number;
  Driver: string;
  DriverStatus: Array<[string, string]>;
  Root: string;
  RunRoot: string;
  ConfigFile: string;
  Rootless: boolean;
  /** rootless only: the user namespace's id maps and the backends in use */
  RootlessDetails?: { UidMap: IdRange[]; GidMap: IdRange[]; Storage: string; Network: string; CgroupLimits: string };
  CgroupVersion: string;
  CgroupMode: string;
  DefaultRuntime: string | null;
  Runtimes: Record<string, Omit<RuntimeInfo, 'name'>>;
  KernelVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  SecurityOptions: string[];
}

function rootlessDetails(): NonNullable<SystemInfo['RootlessDetails']> {
  const map = (f: string) => (existsSync(f) ? parseIdMap(readFileSync(f, 'utf8')) : []);
  return {
    UidMap: map('/proc/self/uid_map'),
    GidMap: map('/proc/self/gid_map'),
    Storage: 'overlay, native in the user namespace (userxattr)',
    Network: 'none and host; bridge networks through a per-user network namespace with slirp4netns',
    CgroupLimits: (() => {
      const l = rootlessLimits();
      return l.enforced ? `enforced in the delegated cgroup ${l.base} (${l.controllers.join(' ')})` : `not enforced: ${l.reason}`;
    })(),
  };
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m ? m[1] : 'Linux';
  } catch {
    return 'Linux';
  }
}

export async function systemInfo(ctx: EngineContext): Promise<SystemInfo> {
  const cg = cgroupMode();
  const rt = await probeRuntimes(ctx.config);
  const images = (ctx.db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
  const snapshots = (ctx.db.prepare('SELECT COUNT(*) AS n FROM snapshots').get() as { n: number }).n;
  const runtimes: SystemInfo['Runtimes'] = {};
  for (const r of rt.runtimes) runtimes[r.name] = { path: r.path, version: r.version, works: r.works, reason: r.reason };
  const seccomp = existsSync('/proc/self/status') && /Seccomp:\s*\d/.test(readFileSync('/proc/self/status', 'utf8'));
  return {
    ID: hostname(),
    Name: hostname(),
    ServerVersion: VERSION,
    Images: images,
    Driver: ctx.config.storageDriver,
    DriverStatus: [
      ['Backing Filesystem', 'extfs'],
      ['Snapshots', String(snapshots)],
    ],
    Root: ctx.config.root,
    RunRoot: ctx.config.runroot,
    ConfigFile: ctx.config.configPath,
    Rootless: ctx.config.rootless,
    ...(ctx.config.rootless ? { RootlessDetails: rootlessDetails() } : {}),
    CgroupVersion: String(cg.version),
    CgroupMode: cg.mode,
    DefaultRuntime: rt.default,
    Runtimes: runtimes,
    KernelVersion: release(),
    OperatingSystem: osName(),
    OSType: 'linux',
    Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
    NCPU: cpus().length,
    MemTotal: totalmem(),
    SecurityOptions: [...(seccomp ? ['name=seccomp,profile=builtin'] : []), ...(ctx.config.rootless ? ['name=rootless'] : [])],
  };
}
