import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';

export const command: Command = {
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  summary: 'List port mappings or a specific mapping for the container',
  args: [1, 2],
  flags: [],
  async run(cli, _flags, [name, port]) {
    const c = await new ContainerService(cli.engine).get(name);
    const ports = c.state.Running ? (c.state.Ports ?? []) : [];
    const want = port ? (port.includes('/') ? port : `${port}/tcp`) : undefined;
    const rows = ports.filter((p) => !want || `${p.container_port}/${p.protocol}` === want);
    if (want && !rows.length) {
      cli.err(`Error: No public port '${want}' published for ${name}\n`);
      return 1;
    }
    for (const p of rows) cli.out(`${want ? '' : `${p.container_port}/${p.protocol} -> `}${p.host_ip || '0.0.0.0'}:${p.host_port}\n`);
  },
};
