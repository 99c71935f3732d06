import type { Command } from '../command.js';
import { formatInspect } from '../format.js';
import { goJson } from '../../util/gotemplate.js';
import { bytesSize } from '../../util/units.js';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Display system-wide information',
  args: [0, 0],
  flags: [{ name: 'format', short: 'f', type: 'string', value: 'string', help: "Format output using a custom template: 'json' or a Go template" }],
  async run(cli, flags) {
    const info = await cli.backend.system.info();
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
