import type { Command } from '../command.js';
import type { IdRange } from '../../platform/userns.js';
import { formatInspect } from '../format.js';
import { goJson } from '../../util/gotemplate.js';
import { bytesSize } from '../../util/units.js';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Display system-wide information',
  args: [0, 0],
  flags: [{ name: 'format', short: 'f', type: 'string', value: 'string', help: "Format output using a custom template: 'json' or a Go template" }],
  async run(cli, flags) {
    const info = (await cli.backend.system.info()) as unknown as Info;
    const format = flags.format as string | undefined;
    if (format) {
      cli.out(format === 'json' ? goJson(info) + '\n' : formatInspect(format, [info]));
      return;
    }
    const details = info.RootlessDetails;
    const lines = [
      'Server:',
      ` Containers: ${info.Containers}`,
      `  Running: ${info.ContainersRunning}`,
      `  Paused: ${info.ContainersPaused}`,
      `  Stopped: ${info.ContainersStopped}`,
      ` Images: ${info.Images}`,
      ` Server Version: ${info.ServerVersion}${cli.backend.remote ? '' : ' (daemonless)'}`,
      ` Storage Driver: ${info.Driver}`,
      ...(info.DriverStatus ?? []).map(([k, v]) => `  ${k}: ${v}`),
      ` Cgroup Version: ${info.CgroupVersion}`,
      ...(info.CgroupMode ? [` Cgroup Mode: ${info.CgroupMode}`] : []),
      ' Runtimes:',
      ...Object.entries(info.Runtimes ?? {}).map(([n, r]) => `  ${n}: ${r.path}${r.version ? ` (${r.version})` : ''} works`),
      ...Object.entries(info.UnusableRuntimes ?? {}).map(([n, r]) => `  ${n}: ${r.path} does not work${r.reason ? `: ${r.reason}` : ''}`),
      ` Default Runtime: ${info.DefaultRuntime || 'none found'}`,
      ` Security Options:${info.SecurityOptions?.length ? '' : ' none'}`,
      ...(info.SecurityOptions ?? []).map((s) => `  ${s}`),
      ...(info.Rootless !== undefined ? [` Rootless: ${info.Rootless}`] : []),
      ...(details
        ? [
            `  UID map: ${details.UidMap.map((m) => `${m.inner}->${m.outer}+${m.count}`).join(' ')}`,
            `  GID map: ${details.GidMap.map((m) => `${m.inner}->${m.outer}+${m.count}`).join(' ')}`,
            `  Storage: ${details.Storage}`,
            `  Network: ${details.Network}`,
            `  Cgroup limits: ${details.CgroupLimits}`,
          ]
        : []),
      ` Kernel Version: ${info.KernelVersion}`,
      ` Operating System: ${info.OperatingSystem}`,
      ` OSType: ${info.OSType}`,
      ` Architecture: ${info.Architecture}`,
      ` CPUs: ${info.NCPU}`,
      ` Total Memory: ${bytesSize(info.MemTotal)}`,
      ` Name: ${info.Name}`,
      ` Root Dir: ${info.Root ?? info.DockerRootDir}`,
      ...(info.RunRoot ? [` Run Root: ${info.RunRoot}`] : []),
      ...(info.ConfigFile ? [` Config File: ${info.ConfigFile}`] : []),
    ];
    cli.out(lines.join('\n') + '\n');
  },
};

/** docker's /info as this command reads it; the fields after DockerRootDir are berth's own. */
interface Info {
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  ServerVersion: string;
  Driver: string;
  DriverStatus?: Array<[string, string]>;
  CgroupVersion: string;
  Runtimes?: Record<string, { path: string; version?: string }>;
  DefaultRuntime?: string;
  SecurityOptions?: string[];
  KernelVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  Name: string;
  DockerRootDir: string;
  Root?: string;
  RunRoot?: string;
  ConfigFile?: string;
  CgroupMode?: string;
  Rootless?: boolean;
  RootlessDetails?: { UidMap: IdRange[]; GidMap: IdRange[]; Storage: string; Network: string; CgroupLimits: string };
  UnusableRuntimes?: Record<string, { path: string; reason?: string }>;
}
