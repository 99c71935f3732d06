// berth pod create | ls | inspect | start | stop | restart | kill | rm | prune | top | stats
// (podman's pod commands: docker has no pods).
import type { Command } from '../command.js';
import { formatFlag } from '../command.js';
import { forEach, inspectEach } from '../each.js';
import { formatList } from '../format.js';
import { confirm } from '../prompt.js';
import { keyValueFlags } from '../args.js';
import { PodService, type PodRow } from '../../engine/pods.js';
import { ContainerService } from '../../engine/containers.js';
import { psOutput } from '../../engine/top.js';
import { mergeBindings, parsePublish } from '../../network/ports.js';
import { humanDuration } from '../../util/units.js';
import { invalid } from '../../errors.js';

export const create: Command = {
  usage: '[OPTIONS]',
  summary: 'Create a new empty pod',
  args: [0, 1],
  flags: [
    { name: 'name', short: 'n', type: 'string', value: 'string', help: 'Assign a name to the pod' },
    { name: 'hostname', type: 'string', value: 'string', help: "Set the pod's hostname" },
    { name: 'label', short: 'l', type: 'strings', value: 'list', help: 'Set metadata on the pod' },
    { name: 'publish', short: 'p', type: 'strings', value: 'list', help: "Publish a port of the pod's containers to the host" },
    { name: 'network', type: 'strings', value: 'network', help: 'Connect the pod to a network' },
    { name: 'share', type: 'string', value: 'string', default: 'net,ipc,uts', help: 'Namespaces the containers share (net, ipc, uts)' },
  ],
  async run(cli, flags, args) {
    const nets = flags.network as string[];
    const pod = await new PodService(cli.engine).create({
      name: (flags.name as string | undefined) ?? args[0],
      hostname: flags.hostname as string | undefined,
      labels: keyValueFlags(flags.label as string[], 'label'),
      ports: mergeBindings((flags.publish as string[]).map(parsePublish)),
      network: nets[0],
      ...(nets.length > 1 ? { networks: nets.map((n) => ({ network: n, aliases: [] })) } : {}),
      share: (flags.share as string).split(',').filter(Boolean),
    });
    cli.out(`${pod.id}\n`);
  },
};

async function rows(cli: Parameters<Command['run']>[0], filters: string[]) {
  const svc = new PodService(cli.engine);
  const out = [];
  for (const pod of svc.all()) {
    const { status, containers } = await svc.status(pod);
    const row = {
      ID: pod.id.slice(0, 12),
      Name: pod.name,
      Status: status,
      Created: `${humanDuration(Date.now() - Date.parse(pod.created))} ago`,
      InfraID: pod.infra_id?.slice(0, 12) ?? '',
      NumberOfContainers: String(containers.length),
      Labels: Object.entries(pod.config.Labels).map(([k, v]) => `${k}=${v}`).join(','),
    };
    const keep = filters.every((f) => {
      const [k, v = ''] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
      if (k === 'name') return new RegExp(v).test(pod.name);
      if (k === 'id') return pod.id.startsWith(v);
      if (k === 'status') return status.toLowerCase() === v.toLowerCase();
      if (k === 'label') return v.includes('=') ? pod.config.Labels[v.slice(0, v.indexOf('='))] === v.slice(v.indexOf('=') + 1) : v in pod.config.Labels;
      throw invalid(`invalid filter "${k}": use name, id, status or label`);
    });
    if (keep) out.push(row);
  }
  return out;
}

export const ls: Command = {
  usage: '[OPTIONS]',
  summary: 'List pods',
  args: [0, 0],
  flags: [{ name: 'filter', short: 'f', type: 'strings', value: 'filter', help: 'Filter output based on conditions given' }, formatFlag, { name: 'quiet', short: 'q', type: 'bool', help: 'Print the numeric IDs of the pods only' }],
  async run(cli, flags) {
    cli.out(formatList({
      format: flags.format as string | undefined,
      rows: await rows(cli, flags.filter as string[]),
      defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.InfraID}}\t{{.NumberOfContainers}}',
      quiet: flags.quiet as boolean,
      quietField: (r) => r.ID,
      headers: { ID: 'POD ID', Name: 'NAME', Status: 'STATUS', Created: 'CREATED', InfraID: 'INFRA ID', NumberOfContainers: '# OF CONTAINERS' },
    }));
  },
};

async function podJson(svc: PodService, pod: PodRow): Promise<Record<string, unknown>> {
  const { status, containers } = await svc.status(pod);
  return {
    Id: pod.id,
    Name: pod.name,
    Created: pod.created,
    State: status,
    Hostname: pod.config.Hostname,
    Labels: pod.config.Labels,
    CreateInfra: true,
    InfraContainerID: pod.infra_id,
    SharedNamespaces: pod.config.Share,
    NumContainers: containers.length,
    InfraConfig: { PortBindings: pod.config.PortBindings, Networks: pod.config.Networks?.map((n) => n.network) ?? [pod.config.NetworkMode] },
    Containers: containers.map((c) => ({ Id: c.id, Name: c.name, State: c.state.Status })),
  };
}

export const inspect: Command = {
  usage: '[OPTIONS] POD [POD...]',
  summary: 'Display detailed information on one or more pods',
  args: [1, Infinity],
  flags: [{ ...formatFlag, short: 'f' }],
  async run(cli, flags, names) {
    const svc = new PodService(cli.engine);
    const found = new Map<string, Record<string, unknown>>();
    for (const n of names) {
      try {
        found.set(n, await podJson(svc, svc.resolve(n)));
      } catch {
        /* reported by inspectEach */
      }
    }
    return inspectEach(cli, flags.format as string | undefined, names, (n) => {
      const j = found.get(n);
      if (!j) svc.resolve(n);
      return j;
    });
  },
};

const timeFlag = { name: 'time', short: 't', type: 'string' as const, value: 'int', help: 'Seconds to wait for each container to stop before killing it' };

function each(summary: string, act: (svc: PodService, name: string, flags: Record<string, unknown>) => Promise<PodRow | string>, flags: Command['flags'] = []): Command {
  return {
    usage: '[OPTIONS] POD [POD...]',
    summary,
    args: [1, Infinity],
    flags,
    run: (cli, f, names) =>
      forEach(cli, names, async (n) => {
        const r = await act(new PodService(cli.engine), n, f);
        return typeof r === 'string' ? r : r.id;
      }),
  };
}

const seconds = (f: Record<string, unknown>) => (f.time === undefined ? undefined : Number(f.time));
export const start = each('Start one or more pods', (s, n) => s.start(n));
export const stop = each('Stop one or more pods', (s, n, f) => s.stop(n, seconds(f)), [timeFlag]);
export const restart = each('Restart one or more pods', (s, n, f) => s.restart(n, seconds(f)), [timeFlag]);
export const kill = each('Send a signal to the containers of one or more pods', (s, n, f) => s.kill(n, (f.signal as string) || 'KILL'), [{ name: 'signal', short: 's', type: 'string', value: 'string', default: 'KILL', help: 'Signal to send' }]);
export const rm = each('Remove one or more pods', (s, n, f) => s.remove(n, { force: f.force as boolean }), [{ name: 'force', short: 'f', type: 'bool', help: 'Stop and remove running containers of the pod too' }]);

export const prune: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove all stopped pods and their containers',
  args: [0, 0],
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' }],
  async run(cli, flags) {
    if (!flags.force && !(await confirm('WARNING! This will remove all stopped/exited pods.\nAre you sure you want to continue? [y/N] ', (s) => cli.err(s)))) return;
    for (const id of await new PodService(cli.engine).prune()) cli.out(`${id}\n`);
  },
};

export const top: Command = {
  usage: 'POD [ps OPTIONS]',
  summary: 'Display the running processes of the containers in a pod',
  args: [1, Infinity],
  stopAtPositional: true,
  flags: [],
  async run(cli, _flags, [name, ...psArgs]) {
    const svc = new PodService(cli.engine);
    const ctrs = new ContainerService(cli.engine);
    const { containers } = await svc.status(svc.resolve(name));
    const pids: number[] = [];
    for (const c of containers.filter((x) => x.state.Running)) pids.push(...(await ctrs.processes(c.id)));
    cli.out(await psOutput(pids, psArgs));
  },
};

export const stats: Command = {
  usage: '[OPTIONS] [POD...]',
  summary: 'Display a live stream of resource usage of the containers in pods',
  args: [0, Infinity],
  flags: [formatFlag, { name: 'no-stream', type: 'bool', help: 'Disable streaming stats and only pull the first result' }, { name: 'no-trunc', type: 'bool', help: 'Do not truncate output' }],
  async run(cli, flags, names) {
    const svc = new PodService(cli.engine);
    const pods = names.length ? names.map((n) => svc.resolve(n)) : svc.all();
    const ids: string[] = [];
    for (const p of pods) ids.push(...(await svc.status(p)).containers.filter((c) => c.state.Running).map((c) => c.id));
    if (!ids.length) throw invalid('no running containers in the pods given');
    const { command } = await import('./stats.js');
    return command.run(cli, { ...flags, all: false }, ids);
  },
};
