// System-wide facts for `berth info` and the API's /info.
import { existsSync, readFileSync } from 'node:fs';
import { arch, cpus, totalmem, hostname, release } from 'node:os';
import type { EngineContext } from './context.js';
import { cgroupMode, rootlessLimits } from '../platform/cgroups.js';
import { probeRuntimes, type RuntimeInfo } from '../platform/runtimes.js';
import { API_VERSION, MIN_API_VERSION, VERSION } from '../version.js';
import { ContainerService } from './containers.js';
import type { InfoReport } from '../backend/backend.js';
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

const goArch = () => (arch() === 'x64' ? 'amd64' : arch() === 'ia32' ? '386' : arch());

/** docker's GET /version of this engine. */
export function versionReport(): { Version: string; ApiVersion: string; Os: string; Arch: string; KernelVersion: string } & Record<string, unknown> {
  const details = { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: goArch(), KernelVersion: release(), BuildTime: '', GitCommit: '', Experimental: 'false' };
  return {
    Platform: { Name: 'berth' },
    Components: [{ Name: 'Engine', Version: VERSION, Details: { ...details, NodeVersion: process.version } }],
    Version: VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: '',
    GoVersion: process.version,
    Os: 'linux',
    Arch: goArch(),
    KernelVersion: release(),
    BuildTime: '',
  };
}

/**
 * docker's GET /info, with berth's own fields beside docker's (RunRoot, ConfigFile, CgroupMode,
 * Rootless and its details, each runtime's version, and the runtimes that do not work here, why).
 */
export async function dockerInfo(ctx: EngineContext): Promise<InfoReport> {
  const s = await systemInfo(ctx);
  const list = await new ContainerService(ctx).list(true);
  const runtimes: Record<string, { path: string; version?: string; works: true }> = {};
  const unusable: Record<string, { path: string; reason?: string }> = {};
  for (const [n, rt] of Object.entries(s.Runtimes)) {
    if (rt.works && rt.path) runtimes[n] = { path: rt.path, ...(rt.version ? { version: rt.version } : {}), works: true };
    else unusable[n] = { path: rt.path ?? '', ...(rt.reason ? { reason: rt.reason } : {}) };
  }
  return {
    ID: s.ID,
    Containers: list.length,
    ContainersRunning: list.filter((c) => c.state.Running && !c.state.Paused).length,
    ContainersPaused: list.filter((c) => c.state.Paused).length,
    ContainersStopped: list.filter((c) => !c.state.Running).length,
    Images: s.Images,
    Driver: s.Driver,
    DriverStatus: s.DriverStatus,
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'none'], Authorization: null, Log: ['k8s-file', 'json-file', 'none'] },
    MemoryLimit: true,
    SwapLimit: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    OomKillDisable: false,
    IPv4Forwarding: true,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: s.CgroupVersion,
    NEventsListener: 0,
    KernelVersion: s.KernelVersion,
    OperatingSystem: s.OperatingSystem,
    OSVersion: '',
    OSType: 'linux',
    Architecture: s.Architecture,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: ['127.0.0.0/8'], Mirrors: [] },
    NCPU: s.NCPU,
    MemTotal: s.MemTotal,
    GenericResources: null,
    DockerRootDir: s.Root,
    HttpProxy: process.env.HTTP_PROXY ?? '',
    HttpsProxy: process.env.HTTPS_PROXY ?? '',
    NoProxy: process.env.NO_PROXY ?? '',
    Name: s.Name,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: VERSION,
    Runtimes: runtimes,
    DefaultRuntime: s.DefaultRuntime ?? '',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: 'docker-init',
    ContainerdCommit: { ID: '' },
    RuncCommit: { ID: '' },
    InitCommit: { ID: '' },
    SecurityOptions: s.SecurityOptions,
    Warnings: [],
    Root: s.Root,
    RunRoot: s.RunRoot,
    ConfigFile: s.ConfigFile,
    CgroupMode: s.CgroupMode,
    Rootless: s.Rootless,
    ...(s.RootlessDetails ? { RootlessDetails: s.RootlessDetails } : {}),
    UnusableRuntimes: unusable,
  };
}
