import type { Command } from '../command.js';
import { formatInspect } from '../format.js';
import { goJson } from '../../util/gotemplate.js';
import { API_VERSION, VERSION } from '../../version.js';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Show the berth version information',
  args: [0, 0],
  flags: [{ name: 'format', short: 'f', type: 'string', value: 'string', help: "Format output using a custom template: 'json' or a Go template" }],
  async run(cli, flags) {
    const arch = process.arch === 'x64' ? 'amd64' : process.arch;
    const backend = cli.backend;
    const info = {
      Client: { Version: VERSION, ApiVersion: API_VERSION, NodeVersion: process.version, Os: process.platform, Arch: arch, Context: backend.where },
      Server: await backend.system.version(),
    };
    const format = flags.format as string | undefined;
    if (format) {
      cli.out(format === 'json' ? goJson(info) + '\n' : formatInspect(format, [info]));
      return;
    }
    const c = info.Client;
    const s = info.Server;
    const server = [
      `Server: ${backend.remote ? `${String((s.Platform as { Name?: string } | undefined)?.Name || 'Docker Engine')} at ${backend.where}` : 'berth (daemonless: this process is the engine)'}`,
      ' Engine:',
      `  Version:          ${s.Version}`,
      `  API version:      ${s.ApiVersion}${s.MinAPIVersion ? ` (minimum version ${String(s.MinAPIVersion)})` : ''}`,
      `  OS/Arch:          ${s.Os}/${s.Arch}`,
      ...(s.KernelVersion ? [`  Kernel Version:   ${s.KernelVersion}`] : []),
    ];
    cli.out(`Client:\n Version:           ${c.Version}\n API version:       ${c.ApiVersion}\n Node version:      ${c.NodeVersion}\n OS/Arch:           ${c.Os}/${c.Arch}\n Context:           ${c.Context}\n\n${server.join('\n')}\n`);
  },
};
