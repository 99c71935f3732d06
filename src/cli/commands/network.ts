// berth network create | ls | inspect | rm | prune | connect | disconnect
import type { Command } from '../command.js';
import { inspectEach } from '../each.js';
import { formatFlag } from '../command.js';
import { NetworkService } from '../../engine/networks.js';
import { ContainerService } from '../../engine/containers.js';
import { formatList } from '../format.js';
import { confirm } from '../prompt.js';
import { keyValueFlags } from '../args.js';
import { invalid } from '../../errors.js';
import { forEach } from '../each.js';

export const create: Command = {
  usage: '[OPTIONS] NETWORK',
  summary: 'Create a network',
  args: [1, 1],
  flags: [
    { name: 'driver', short: 'd', type: 'string', value: 'string', default: 'bridge', help: 'Driver to manage the Network' },
    { name: 'subnet', type: 'strings', value: 'strings', help: 'Subnet in CIDR format that represents a network segment' },
    { name: 'gateway', type: 'strings', value: 'strings', help: 'IPv4 or IPv6 Gateway for the master subnet' },
    { name: 'ip-range', type: 'strings', value: 'strings', help: 'Allocate container ip from a sub-range' },
    { name: 'internal', type: 'bool', help: 'Restrict external access to the network' },
    { name: 'ipv6', type: 'bool', help: 'Enable IPv6 networking' },
    { name: 'label', type: 'strings', value: 'list', help: 'Set metadata on a network' },
    { name: 'opt', short: 'o', type: 'strings', value: 'map', help: 'Set driver specific options' },
    { name: 'ignore', type: 'bool', help: 'Do not fail if the network already exists (print its ID)' },
  ],
  async run(cli, flags, [name]) {
    if (flags.ignore) {
      const svc = new NetworkService(cli.engine);
      const existing = svc.list([]).find((n) => n.name === name);
      if (existing) {
        cli.out(`${existing.id}\n`);
        return;
      }
    }
    // One IPv4 and (with --ipv6) one IPv6 subnet and gateway, told apart by their colons.
    const one = (k: string, v6: boolean) => {
      const v = (flags[k] as string[]).filter((x) => x.includes(':') === v6);
      if (v.length > 1) throw invalid(`only one IPv${v6 ? 6 : 4} --${k} is supported`);
      return v[0];
    };
    const n = await new NetworkService(cli.engine).create({ name, driver: flags.driver as string, subnet: one('subnet', false), gateway: one('gateway', false), subnet6: one('subnet', true), gateway6: one('gateway', true), ipRange: one('ip-range', false), internal: flags.internal as boolean, ipv6: flags.ipv6 as boolean, labels: keyValueFlags(flags.label as string[], 'label'), options: keyValueFlags(flags.opt as string[], 'option') });
    cli.out(`${n.id}\n`);
  },
};

export const ls: Command = {
  usage: '[OPTIONS]',
  summary: 'List networks',
  args: [0, 0],
  flags: [{ name: 'filter', short: 'f', type: 'strings', value: 'filter', help: "Provide filter values (e.g. 'driver=bridge')" }, formatFlag, { name: 'no-trunc', type: 'bool', help: 'Do not truncate the output' }, { name: 'quiet', short: 'q', type: 'bool', help: 'Only display network IDs' }],
  async run(cli, flags) {
    const svc = new NetworkService(cli.engine);
    const rows = svc.list(flags.filter as string[]).map((n) => ({ ID: flags['no-trunc'] ? n.id : n.id.slice(0, 12), Name: n.name, Driver: n.driver, Scope: 'local', IPv6: String(svc.ipv6(n) !== undefined), Internal: String(Boolean(n.internal)), Labels: Object.entries(JSON.parse(n.labels) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(','), CreatedAt: n.created }));
    cli.out(formatList({ format: flags.format as string | undefined, rows, defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}', quiet: flags.quiet as boolean, quietField: (r) => r.ID, headers: { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE' } }));
  },
};

export const inspect: Command = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  summary: 'Display detailed information on one or more networks',
  args: [1, Infinity],
  flags: [{ name: 'format', short: 'f', type: 'string', value: 'string', help: 'Format output using a custom template' }],
  async run(cli, flags, names) {
    const svc = new NetworkService(cli.engine);
    return inspectEach(cli, flags.format as string | undefined, names, (n) => svc.inspectJson(svc.resolve(n)));
  },
};

export const rm: Command = {
  usage: 'NETWORK [NETWORK...]',
  summary: 'Remove one or more networks',
  args: [1, Infinity],
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Do not error if the network does not exist' }],
  async run(cli, _flags, names) {
    const svc = new NetworkService(cli.engine);
    return forEach(cli, names, async (n) => {
      await svc.remove(n);
    });
  },
};

export const prune: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove all unused networks',
  args: [0, 0],
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' }, { name: 'filter', type: 'strings', value: 'filter', help: 'Provide filter values' }],
  async run(cli, flags) {
    if (!flags.force && !(await confirm('WARNING! This will remove all custom networks not used by at least one container.', cli.out))) return 0;
    const removed = await new NetworkService(cli.engine).prune();
    if (removed.length) cli.out(`Deleted Networks:\n${removed.map((r) => `${r}\n`).join('')}`);
  },
};

/** connect/disconnect change what a stopped container joins at its next start. */
function attachment(verb: 'connect' | 'disconnect'): Command {
  return {
    usage: `[OPTIONS] NETWORK CONTAINER`,
    summary: verb === 'connect' ? 'Connect a container to a network' : 'Disconnect a container from a network',
    args: [2, 2],
    flags:
      verb === 'connect'
        ? [
            { name: 'alias', type: 'strings', value: 'strings', help: 'Add network-scoped alias for the container' },
            { name: 'ip', type: 'string', value: 'string', help: 'IPv4 address (e.g., "172.30.100.104")' },
          ]
        : [{ name: 'force', short: 'f', type: 'bool', help: 'Force the container to disconnect from a network' }],
    async run(cli, flags, [network, container]) {
      await new ContainerService(cli.engine).changeNetwork(verb, container, network, verb === 'connect' ? { aliases: flags.alias as string[], ...(flags.ip ? { ip: flags.ip as string } : {}) } : {});
    },
  };
}

export const connect = attachment('connect');
export const disconnect = attachment('disconnect');
export const command = ls;
