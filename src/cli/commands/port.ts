import type { Command } from '../command.js';

export const command: Command = {
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  summary: 'List port mappings or a specific mapping for the container',
  args: [1, 2],
  flags: [],
  async run(cli, _flags, [name, port]) {
    const c = await cli.backend.containers.inspect(name);
    const want = port ? (port.includes('/') ? port : `${port}/tcp`) : undefined;
    const rows: string[] = [];
    for (const [key, bindings] of Object.entries((c.State.Running && c.NetworkSettings.Ports) || {})) {
      if (want && key !== want) continue;
      for (const b of bindings ?? []) rows.push(`${want ? '' : `${key} -> `}${b.HostIp || '0.0.0.0'}:${b.HostPort}\n`);
    }
    if (want && !rows.length) {
      cli.err(`Error: No public port '${want}' published for ${name}\n`);
      return 1;
    }
    cli.out(rows.join(''));
  },
};
