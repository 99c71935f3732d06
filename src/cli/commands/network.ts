// berth network create | ls | inspect | rm | prune | connect | disconnect
import type { Command } from '../command.js';
import { forEach, inspectEach } from '../each.js';
import { formatFlag } from '../command.js';
import { formatList } from '../format.js';
import { confirm } from '../prompt.js';
import { keyValueFlags } from '../args.js';
import { invalid } from '../../errors.js';

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
    const networks = cli.backend.networks;
    if (flags.ignore) {
      const existing = (await networks.list([`name=${name}`])).find((n) => n.Name === name);
      if (existing) {
        cli.out(`${existing.Id}\n`);
        return;
      }
    }
    // One IPv4 and (with --ipv6) one IPv6 subnet and gateway, told apart by their colons.
    const one = (k: string, v6: boolean) => {
      const v = (flags[k] as string[]).filter((x) => x.includes(':') === v6);
      if (v.length > 1) throw invalid(`only one IPv${v6 ? 6 : 4} --${k} is supported`);
      return v[0];
    };
    const id = await networks.create({ name, driver: flags.driver as string, subnet: one('subnet', false), gateway: one('gateway', false), subnet6: one('subnet', true), gateway6: one('gateway', true), ipRange: one('ip-range', false), internal: flags.internal as boolean, ipv6: flags.ipv6 as boolean, labels: keyValueFlags(flags.label as string[], 'label'), options: keyValueFlags(flags.opt as string[], 'option') });
    cli.out(`${id}\n`);
  },
};

export const ls: Command = {
  usage: '[OPTIONS]',
  summary: 'List networks',
  args: [0, 0],
  flags: [{ name: 'filter', short: 'f', type: 'strings', value: 'filter', help: "Provide filter values (e.g. 'driver=bridge')" }, formatFlag, { name: 'no-trunc', type: 'bool', help: 'Do not truncate the output' }, { name: 'quiet', short: 'q', type: 'bool', help: 'Only display network IDs' }],
  async run(cli, flags) {
    const rows = (await cli.backend.networks.list(flags.filter as string[])).map((n) => ({ ID: flags['no-trunc'] ? n.Id : n.Id.slice(0, 12), Name: n.Name, Driver: n.Driver, Scope: n.Scope, IPv6: String(Boolean(n.EnableIPv6)), Internal: String(Boolean(n.Internal)), Labels: Object.entries(n.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','), CreatedAt: n.Created }));
    cli.out(formatList({ format: flags.format as string | undefined, rows, defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}', quiet: flags.quiet as boolean, quietField: (r) => r.ID, headers: { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE' } }));
  },
};

export const inspect: Command = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  summary: 'Display detailed information on one or more networks',
  args: [1, Infinity],
  flags: [{ name: 'format', short: 'f', type: 'string', value: 'string', help: 'Format output using a custom template' }],
  async run(cli, flags, names) {
    const networks = cli.backend.networks;
    return inspectEach(cli, flags.format as string | undefined, names, (n) => networks.inspect(n));
  },
};

export const rm: Command = {
  usage: 'NETWORK [NETWORK...]',
  summary: 'Remove one or more networks',
  args: [1, Infinity],
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Do not error if the network does not exist' }],
  async run(cli, _flags, names) {
    const networks = cli.backend.networks;
    return forEach(cli, names, (n) => networks.remove(n));
  },
};

export const prune: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove all unused networks',
  args: [0, 0],
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' }, { name: 'filter', type: 'strings', value: 'filter', help: 'Provide filter values' }],
  async run(cli, flags) {
    if (!flags.force && !(await confirm('WARNING! This will remove all custom networks not used by at least one container.', cli.out))) return 0;
    const removed = await cli.backend.networks.prune(flags.filter as string[]);
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
      const networks = cli.backend.networks;
      if (verb === 'connect') await networks.connect(network, container, { aliases: flags.alias as string[], ...(flags.ip ? { ip: flags.ip as string } : {}) });
      else await networks.disconnect(network, container, { force: flags.force as boolean });
    },
  };
}

export const connect = attachment('connect');
export const disconnect = attachment('disconnect');
export const command = ls;
