import type { Command } from '../command.js';
import { formatInspect } from '../format.js';
import { goJson } from '../../util/gotemplate.js';
import { VERSION } from '../../version.js';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Show the berth version information',
  args: [0, 0],
  flags: [{ name: 'format', short: 'f', type: 'string', value: 'string', help: "Format output using a custom template: 'json' or a Go template" }],
  async run(cli, flags) {
    const arch = process.arch === 'x64' ? 'amd64' : process.arch;
    const info = {
      Client: { Version: VERSION, ApiVersion: '1.41', NodeVersion: process.version, Os: process.platform, Arch: arch, Context: 'default' },
      Server: null,
    };
    const format = flags.format as string | undefined;
    if (format) {
      cli.out(format === 'json' ? goJson(info) + '\n' : formatInspect(format, [info]));
      return;
    }
    const c = info.Client;
    cli.out(`Client:\n Version:           ${c.Version}\n API version:       ${c.ApiVersion}\n Node version:      ${c.NodeVersion}\n OS/Arch:           ${c.Os}/${c.Arch}\n Context:           ${c.Context}\n\nServer: none (berth is daemonless: every command does its own work)\n`);
  },
};
