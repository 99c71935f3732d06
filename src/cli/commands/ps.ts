import type { Command } from '../command.js';
import { formatFlag } from '../command.js';
import type { ContainerSummary } from '../../backend/backend.js';
import { formatList } from '../format.js';
import { goTime } from '../../util/time.js';
import { humanDuration, humanSize } from '../../util/units.js';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'List containers',
  aliases: ['berth container ls', 'berth container list', 'berth container ps', 'berth ps'],
  args: [0, 0],
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Show all containers (default shows just running)' },
    { name: 'filter', short: 'f', type: 'strings', value: 'filter', help: 'Filter output based on conditions provided' },
    formatFlag,
    { name: 'last', short: 'n', type: 'int', value: 'int', default: -1, help: 'Show n last created containers (includes all states)' },
    { name: 'latest', short: 'l', type: 'bool', help: 'Show the latest created container (includes all states)' },
    { name: 'no-trunc', type: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only display container IDs' },
    { name: 'size', short: 's', type: 'bool', help: 'Display total file sizes' },
    { name: 'pod', short: 'p', type: 'bool', help: 'Print the ID and name of the pod the containers belong to' },
  ],
  async run(cli, flags) {
    const last = flags.latest ? 1 : (flags.last as number);
    const list = await cli.backend.containers.list({ all: flags.all as boolean, limit: last, size: flags.size as boolean, filters: flags.filter as string[] });
    const noTrunc = flags['no-trunc'] as boolean;
    const now = Date.now();
    const rows = list.map((c) => {
      let cmd = c.Command;
      if (!noTrunc && cmd.length > 20) cmd = cmd.slice(0, 19) + '…';
      const created = c.Created * 1000;
      return {
        ID: noTrunc ? c.Id : c.Id.slice(0, 12),
        Image: c.Image,
        Command: `"${cmd}"`,
        CreatedAt: goTime(created),
        RunningFor: `${humanDuration(now - created)} ago`,
        Ports: portsText(c.Ports),
        State: c.State,
        Status: c.Status,
        Size: c.SizeRw === undefined ? '0B' : `${humanSize(c.SizeRw)} (virtual ${humanSize(c.SizeRootFs ?? c.SizeRw)})`,
        Names: c.Names.map((n) => n.replace(/^\//, '')).join(','),
        Labels: Object.entries(c.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
        Mounts: (c.Mounts ?? []).map((m) => m.Name ?? m.Source).join(','),
        Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(',') || c.HostConfig.NetworkMode,
        LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Type === 'volume').length),
        Pod: c.Pod ? (noTrunc ? c.Pod : c.Pod.slice(0, 12)) : '',
        PodName: c.PodName ?? '',
        Label: (k: string) => c.Labels?.[k] ?? '',
      };
    });
    const def = `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${flags.size ? '\t{{.Size}}' : ''}${flags.pod ? '\t{{.Pod}}\t{{.PodName}}' : ''}`;
    cli.out(formatList({ format: flags.format as string | undefined, rows, defaultTable: def, quiet: flags.quiet as boolean, quietField: (r) => r.ID, headers: { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', RunningFor: 'CREATED', CreatedAt: 'CREATED AT', Status: 'STATUS', Ports: 'PORTS', Names: 'NAMES', Size: 'SIZE', State: 'STATE', Pod: 'POD ID', PodName: 'PODNAME' } }));
  },
};

/** docker's PORTS column: published ports as ip:public->private/proto, exposed ones as private/proto. */
function portsText(ports: ContainerSummary['Ports']): string {
  return ports.map((p) => (p.PublicPort ? `${p.IP || '0.0.0.0'}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`)).join(', ');
}
