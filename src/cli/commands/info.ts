import type { Command } from '../command.js';
import { systemInfo } from '../../engine/system.js';
import { formatInspect } from '../format.js';
import { goJson } from '../../util/gotemplate.js';
import { bytesSize } from '../../util/units.js';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Display system-wide information',
  args: [0, 0],
  flags: [{ name: 'format', short: 'f', type: 'string', value: 'string', help: "Format output using a custom template: 'json' or a Go template" }],
  async run(cli, flags) {
    const info = await systemInfo(cli.engine);
    const format = flags.format as string | undefined;
    if (format) {
      cli.out(format === 'json' ? goJson(info) + '\n' : formatInspect(format, [info]));
      return;
    }
    const lines = [
      'Server:',
      ` Images: ${info.Images}`,
      ` Server Version: ${info.ServerVersion} (daemonless)`,
      ` Storage Driver: ${info.Driver}`,
      ...info.DriverStatus.map(([k, v]) => `  ${k}: ${v}`),
      ` Cgroup Version: ${info.CgroupVersion}`,
      ` Cgroup Mode: ${info.CgroupMode}`,
      ' Runtimes:',
      ...Object.entries(info.Runtimes).map(([n, r]) => `  ${n}: ${r.path} (${r.version ?? '?'}) ${r.works ? 'works' : 'does not work'}${r.reason ? `: ${r.reason}` : ''}`),
      ` Default Runtime: ${info.DefaultRuntime ?? 'none found'}`,
      ` Security Options:${info.SecurityOptions.length ? '' : ' none'}`,
      ...info.SecurityOptions.map((s) => `  ${s}`),
      ` Rootless: ${info.Rootless}`,
      ...(info.RootlessDetails
        ? [
            `  UID map: ${info.RootlessDetails.UidMap.map((m) => `${m.inner}->${m.outer}+${m.count}`).join(' ')}`,
            `  GID map: ${info.RootlessDetails.GidMap.map((m) => `${m.inner}->${m.outer}+${m.count}`).join(' ')}`,
            `  Storage: ${info.RootlessDetails.Storage}`,
            `  Network: ${info.RootlessDetails.Network}`,
            `  Cgroup limits: ${info.RootlessDetails.CgroupLimits}`,
          ]
        : []),
      ` Kernel Version: ${info.KernelVersion}`,
      ` Operating System: ${info.OperatingSystem}`,
      ` OSType: ${info.OSType}`,
      ` Architecture: ${info.Architecture}`,
      ` CPUs: ${info.NCPU}`,
      ` Total Memory: ${bytesSize(info.MemTotal)}`,
      ` Name: ${info.Name}`,
      ` Root Dir: ${info.Root}`,
      ` Run Root: ${info.RunRoot}`,
      ` Config File: ${info.ConfigFile}`,
    ];
    cli.out(lines.join('\n') + '\n');
  },
};
