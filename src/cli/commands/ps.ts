import type { Command } from '../command.js';
import { formatFlag } from '../command.js';
import { ContainerService } from '../../engine/containers.js';
import { commandLine, portsText, statusText } from '../../engine/container-view.js';
import { formatList } from '../format.js';
import { parseFilters } from '../../images/filters.js';
import { CONTAINER_FILTERS, filterContainers, filtersNeedAll } from '../../engine/container-filters.js';
import { goTime } from '../../util/time.js';
import { humanDuration, humanSize } from '../../util/units.js';
import { dirSize } from '../../platform/du.js';

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
    const svc = new ContainerService(cli.engine);
    const f = parseFilters(flags.filter as string[], CONTAINER_FILTERS);
    const last = flags.latest ? 1 : (flags.last as number);
    const all = (flags.all as boolean) || last > 0 || filtersNeedAll(f);
    let list = await filterContainers(svc, cli.engine.images, await svc.list(all), f);
    if (last > 0) list = list.slice(0, last);
    const noTrunc = flags['no-trunc'] as boolean;
    const now = Date.now();
    const pods = new Map((cli.engine.db.prepare('SELECT id, name FROM pods').all() as Array<{ id: string; name: string }>).map((p) => [p.id, p.name]));
    const rows = list.map((c) => {
      let cmd = commandLine(c);
      if (!noTrunc && cmd.length > 20) cmd = cmd.slice(0, 19) + '…';
      return {
        ID: noTrunc ? c.id : c.id.slice(0, 12),
        Image: c.image,
        Command: `"${cmd}"`,
        CreatedAt: goTime(Date.parse(c.created)),
        RunningFor: `${humanDuration(now - Date.parse(c.created))} ago`,
        Ports: portsText(c),
        State: c.state.Status,
        Status: statusText(c, now),
        Size: flags.size ? `${humanSize(dirSize(svc.paths(c.id).upper))} (virtual ${humanSize(dirSize(svc.paths(c.id).upper) + (cli.engine.images.get(c.imageId)?.size ?? 0))})` : '0B',
        Names: c.name,
        Labels: Object.entries(c.config.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
        Mounts: (c.hostConfig.Mounts ?? []).map((m) => m.Target).join(','),
        Networks: c.hostConfig.NetworkMode,
        LocalVolumes: '0',
        Pod: c.hostConfig.Pod ? (noTrunc ? c.hostConfig.Pod : c.hostConfig.Pod.slice(0, 12)) : '',
        PodName: c.hostConfig.Pod ? (pods.get(c.hostConfig.Pod) ?? '') : '',
        Label: (k: string) => c.config.Labels?.[k] ?? '',
      };
    });
    const def = `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${flags.size ? '\t{{.Size}}' : ''}${flags.pod ? '\t{{.Pod}}\t{{.PodName}}' : ''}`;
    cli.out(formatList({ format: flags.format as string | undefined, rows, defaultTable: def, quiet: flags.quiet as boolean, quietField: (r) => r.ID, headers: { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', RunningFor: 'CREATED', CreatedAt: 'CREATED AT', Status: 'STATUS', Ports: 'PORTS', Names: 'NAMES', Size: 'SIZE', State: 'STATE', Pod: 'POD ID', PodName: 'PODNAME' } }));
  },
};
