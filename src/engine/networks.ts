// The network service: `berth network ...`, and what containers need at start and exit:
// addresses reserved in SQLite (berth is the IPAM), a named network namespace, and netavark
// to wire it (bridge, veth, firewall, port forwarding, aardvark-dns names).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineContext } from './context.js';
import { writeTx } from '../state/db.js';
import { withHostLock } from '../platform/hostlock.js';
import { conflict, invalid, notFound } from '../errors.js';
import { contains, formatCidr, freeAddress, freeSubnet, intToIp, ipToInt, overlaps, parseCidr, type Cidr } from '../network/ipnet.js';
import { setupNetwork, teardownNetwork, type NetworkInfo, type PortMapping, type SetupRequest, type SetupResult } from '../network/netavark.js';
import { isolateBridges, releaseBridges } from '../network/isolation.js';
import { hostNet } from '../platform/hostnet.js';
import { RootlessNetns, unprivilegedPortStart } from '../network/rootless.js';
import { addKeeper, bridgePorts, createNetns, createScratchNetns, deleteLink, deleteNetns, hostRoutes, hostSubnets, hostSubnets6, linkExists, netnsPath } from '../platform/netns.js';
import { bigToIp6, contains6, formatCidr6, hostAt, ip6ToBig, overlaps6, parseCidr6, randomUla, type Cidr6 } from '../network/ipnet6.js';
import type { Database } from '../state/db.js';
import { log } from '../util/log.js';
import { labelMatches, parseFilters } from '../images/filters.js';
import { checkFree, freePort, type PortBindings } from '../network/ports.js';

export const DEFAULT_NETWORK = 'bridge';

export interface NetworkRow {
  id: string;
  name: string;
  driver: string;
  interface: string;
  subnet: string;
  gateway: string;
  ip_range: string | null;
  internal: number;
  dns: number;
  labels: string;
  options: string;
  created: string;
}

export interface Attachment {
  network: string;
  aliases: string[];
  ip?: string;
  mac?: string;
}

/** A container on one network, in docker's NetworkSettings words (the IPv6 ones on dual-stack networks). */
export interface Endpoint {
  IPAddress: string;
  Gateway: string;
  IPPrefixLen: number;
  MacAddress: string;
  NetworkID: string;
  Aliases: string[];
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  IPv6Gateway?: string;
}

/** What `network create` asks for (the CLI's flags; the API's body is translated into it, api/bodies.ts). */
export interface NetworkCreateOptions {
  name: string;
  driver?: string;
  subnet?: string;
  gateway?: string;
  subnet6?: string;
  gateway6?: string;
  ipRange?: string;
  internal?: boolean;
  ipv6?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

/** A dual-stack network's IPv6 side. */
export interface Ipv6Config {
  subnet: string;
  gateway: string;
}

/**
 * IPv6 subnets live in a table of their own beside `networks` (made on first use, so roots
 * made before IPv6 need no migration). A container's IPv6 address is not allocated: it is
 * the IPv6 subnet's host at the same offset as its IPv4 address in the IPv4 subnet, so it is
 * as unique as the IPv4 one that SQLite reserves.
 */
const ipv6Tables = new WeakSet<Database>();
function ipv6Table(db: Database): Database {
  if (!ipv6Tables.has(db)) {
    db.exec('CREATE TABLE IF NOT EXISTS network_ipv6 (network_id TEXT PRIMARY KEY, subnet TEXT NOT NULL, gateway TEXT NOT NULL)');
    ipv6Tables.add(db);
  }
  return db;
}

export interface Wired {
  netns: string;
  /** per network: address, gateway, mac */
  networks: Record<string, Endpoint>;
  ports: PortMapping[];
  dnsServers: string[];
}

/** The names aardvark-dns answers besides the container's name (netavark puts that first itself). */
function dnsAliases(c: { id: string; name: string }, aliases: string[]): string[] {
  return [...new Set([c.id.slice(0, 12), ...aliases])].filter((n) => n !== c.name);
}

/**
 * The keeper port of a user network's bridge (`bk-` and the network id's first 12 hex
 * digits: 15 characters, the kernel's limit). The host's default network has none: its
 * bridge is shared by whatever berth root uses it and nothing ever removes that network.
 * Rootless, the default network's bridge lives in the user's own namespace and goes with
 * it, so it keeps its bridge too (no full teardown after every `run --rm`).
 */
function keeperOf(n: NetworkInfo): string | undefined {
  return n.name === DEFAULT_NETWORK && !hostNet().netns ? undefined : `bk-${n.id.slice(0, 12)}`;
}

/**
 * A network whose bridge is not up yet must not bring up a subnet the host already routes
 * through another interface: another berth root (each has its own IPAM) or another program
 * may have taken it since the network was made, and two bridges with one subnet break both.
 */
function refuseRoutedElsewhere(infos: NetworkInfo[]): void {
  const routes = hostRoutes();
  for (const n of infos) {
    if (linkExists(n.network_interface)) continue;
    const mine = parseCidr(n.subnets[0].subnet);
    const other = routes.find((r) => r.iface !== n.network_interface && overlaps(parseCidr(r.subnet), mine));
    if (other) throw conflict(`network ${n.name}'s subnet ${n.subnets[0].subnet} is already routed on this host through ${other.iface} (${other.subnet}): remove that network, or make this one again with another --subnet`);
  }
}

export class NetworkService {
  constructor(private readonly ctx: EngineContext) {}

  private get db() {
    return this.ctx.db;
  }

  /**
   * netavark's firewall chains are shared by every network on the host, whatever berth root
   * made it: one netavark at a time, host-wide (its first setup and its last teardown of the
   * shared chains race otherwise).
   */
  /** Rootless: the user's network namespace (made on first use), where this service's "host" is. */
  private async userNet(): Promise<RootlessNetns | undefined> {
    if (!this.ctx.config.rootless) return undefined;
    const user = new RootlessNetns(this.ctx.config.runroot);
    await user.ensure();
    return user;
  }

  private netavarkLock<T>(fn: () => Promise<T>): Promise<T> {
    // Root shares netavark's firewall chains with every other root on the host; rootless, the user's namespace is the host.
    return withHostLock(hostNet().netns ? join(this.ctx.config.runroot, 'netavark.lock') : '/run/berth-netavark.lock', fn);
  }

  /**
   * netavark setup, with the networks' bridges isolated from other networks first (berth's
   * own nftables rules, see network/isolation.ts); on failure, bridges that did not come up
   * are forgotten again. Runs under the host lock, as every change to the shared firewall.
   *
   * A user network's bridge then gets a keeper port (see keeperOf), so that it lives as long
   * as the network, as docker's do: netavark tears a bridge down completely (bridge, NAT and
   * forward rules, DNS server) when its last port goes, and builds it all again for the next
   * container, which cost a short-lived container about 0.15 s. `remove` retires it.
   */
  private wire(netns: string, req: SetupRequest): Promise<SetupResult> {
    const bridges = Object.values(req.network_info).map((n) => n.network_interface);
    return this.netavarkLock(async () => {
      refuseRoutedElsewhere(Object.values(req.network_info));
      await isolateBridges(bridges);
      let res: SetupResult;
      try {
        res = await setupNetwork(this.configDir(), netns, req);
      } catch (e) {
        await releaseBridges(bridges.filter((b) => !linkExists(b))).catch(() => undefined);
        throw e;
      }
      for (const n of Object.values(req.network_info)) {
        const keeper = keeperOf(n);
        if (keeper && !linkExists(keeper)) await addKeeper(n.network_interface, keeper).catch((e: Error) => log.warn(`network ${n.name}: ${e.message} (its bridge goes with its last container)`));
      }
      return res;
    });
  }

  /**
   * Take a network's bridge down for good (network rm): the keeper goes, then, if no
   * container is left on the bridge, a netavark teardown of a stand-in container in a
   * throwaway namespace is the complete teardown (bridge, NAT and forward rules), done by
   * netavark itself as for its last container.
   */
  private retire(n: NetworkRow): Promise<void> {
    const info = this.info(n);
    const keeper = keeperOf(info);
    return this.netavarkLock(async () => {
      if (keeper) await deleteLink(keeper);
      if (linkExists(n.interface) && bridgePorts(n.interface).length === 0) {
        const scratch = `berth-rm-${n.id.slice(0, 12)}`;
        const subnet = parseCidr(n.subnet);
        const standIn = freeAddress(subnet, subnet, new Set([ipToInt(n.gateway)]));
        const req: SetupRequest = {
          container_id: `berth-network-rm-${n.id}`,
          container_name: `berth-network-rm-${n.name}`,
          port_mappings: [],
          networks: { [n.name]: { static_ips: standIn === undefined ? [] : this.staticIps(n, intToIp(standIn)), aliases: [], interface_name: 'eth0' } },
          // No DNS: the network's aardvark-dns records went with its last container.
          network_info: { [n.name]: { ...info, dns_enabled: false } },
        };
        try {
          await teardownNetwork(this.configDir(), await createScratchNetns(scratch, 'eth0'), req).catch((e: Error) => log.warn(`network ${n.name}: ${e.message}`));
        } finally {
          await deleteNetns(scratch);
        }
      }
      if (!linkExists(n.interface)) await releaseBridges([n.interface]);
    });
  }

  /** netavark teardown; a bridge that went with it (its last container) leaves the isolation sets. */
  private unwire(netns: string, req: SetupRequest): Promise<void> {
    const bridges = Object.values(req.network_info).map((n) => n.network_interface);
    return this.netavarkLock(async () => {
      try {
        await teardownNetwork(this.configDir(), netns, req);
      } finally {
        await releaseBridges(bridges.filter((b) => !linkExists(b)));
      }
    });
  }

  private configDir(): string {
    const d = join(this.ctx.config.runroot, 'networks');
    mkdirSync(d, { recursive: true, mode: 0o700 });
    return d;
  }

  all(): NetworkRow[] {
    return this.db.prepare('SELECT * FROM networks ORDER BY name').all() as NetworkRow[];
  }

  /** By name, id or id prefix; the default network is made on first use. */
  resolve(nameOrId: string): NetworkRow {
    if (nameOrId === DEFAULT_NETWORK) return this.ensureDefault();
    let r = this.db.prepare('SELECT * FROM networks WHERE name = ? OR id = ?').get(nameOrId, nameOrId) as NetworkRow | undefined;
    if (!r && /^[a-f0-9]+$/.test(nameOrId)) {
      const byPrefix = this.db.prepare('SELECT * FROM networks WHERE id >= ? AND id < ? LIMIT 2').all(nameOrId, `${nameOrId}g`) as NetworkRow[];
      if (byPrefix.length === 1) r = byPrefix[0];
    }
    if (!r) throw notFound(`network ${nameOrId} not found`);
    return r;
  }

  private ensureDefault(): NetworkRow {
    const find = () => this.db.prepare('SELECT * FROM networks WHERE name = ?').get(DEFAULT_NETWORK) as NetworkRow | undefined;
    // Made once, by whichever process gets there first (the check is repeated inside the write lock).
    const { subnet, interface: iface } = this.ctx.config.defaultNetwork;
    return find() ?? writeTx(this.db, () => find() ?? this.insert({ name: DEFAULT_NETWORK, subnet: parseCidr(subnet), iface, internal: false, dns: false, labels: {}, options: {} }));
  }

  private insert(o: { name: string; subnet: Cidr; gateway?: number; range?: Cidr; iface?: string; internal: boolean; dns: boolean; labels: Record<string, string>; options: Record<string, string> }): NetworkRow {
    const id = randomBytes(32).toString('hex');
    const row: NetworkRow = {
      id,
      name: o.name,
      driver: 'bridge',
      interface: o.iface ?? `br-${id.slice(0, 12)}`,
      subnet: formatCidr(o.subnet),
      gateway: intToIp(o.gateway ?? o.subnet.base + 1),
      ip_range: o.range ? formatCidr(o.range) : null,
      internal: o.internal ? 1 : 0,
      dns: o.dns ? 1 : 0,
      labels: JSON.stringify(o.labels),
      options: JSON.stringify(o.options),
      created: new Date().toISOString(),
    };
    this.db.prepare('INSERT INTO networks (id, name, driver, interface, subnet, gateway, ip_range, internal, dns, labels, options, created) VALUES (@id, @name, @driver, @interface, @subnet, @gateway, @ip_range, @internal, @dns, @labels, @options, @created)').run(row);
    this.ctx.events.emit('network', 'create', id, { name: o.name, type: 'bridge' });
    return row;
  }

  /** The IPv6 side of a dual-stack network. */
  ipv6(n: NetworkRow): Ipv6Config | undefined {
    return ipv6Table(this.db).prepare('SELECT subnet, gateway FROM network_ipv6 WHERE network_id = ?').get(n.id) as Ipv6Config | undefined;
  }

  /** A container's IPv6 address on a dual-stack network: the host at its IPv4 address's offset. */
  private address6(n: NetworkRow, v6: Ipv6Config, ip: string): string {
    return hostAt(parseCidr6(v6.subnet), ipToInt(ip) - parseCidr(n.subnet).base);
  }

  /**
   * --ipv6: the given IPv6 subnet, or a random unique local /64 that overlaps no host route
   * and no other network; its gateway is the host at the IPv4 gateway's offset unless given.
   */
  private pickIpv6(o: { subnet6?: string; gateway6?: string }, subnet: Cidr, gateway: number, routes6: Cidr6[]): Ipv6Config {
    const others = (ipv6Table(this.db).prepare('SELECT n.name, v.subnet FROM network_ipv6 v JOIN networks n ON n.id = v.network_id').all() as Array<{ name: string; subnet: string }>).map((r) => ({ ...r, cidr: parseCidr6(r.subnet) }));
    let s6: Cidr6;
    if (o.subnet6) {
      s6 = parseCidr6(o.subnet6);
      const clash = others.find((r) => overlaps6(r.cidr, s6));
      if (clash) throw conflict(`invalid pool request: Pool overlaps with other one on this address space (network ${clash.name} has ${clash.subnet})`);
      if (128 - s6.bits < 32 - subnet.bits) throw invalid(`IPv6 subnet ${formatCidr6(s6)} is smaller than the IPv4 subnet ${formatCidr(subnet)} (berth gives each container the same host number in both)`);
    } else {
      let pick: Cidr6 | undefined;
      for (let i = 0; i < 16 && !pick; i++) {
        const c = randomUla();
        if (![...others.map((r) => r.cidr), ...routes6].some((r) => overlaps6(r, c))) pick = c;
      }
      if (!pick) throw conflict('could not find an available, non-overlapping IPv6 address pool');
      s6 = pick;
    }
    const offset = gateway - subnet.base;
    let gw6 = hostAt(s6, offset);
    if (o.gateway6) {
      const g = ip6ToBig(o.gateway6);
      const host = g - s6.base;
      if (!contains6(s6, g)) throw invalid(`gateway ${o.gateway6} is not in subnet ${formatCidr6(s6)}`);
      // Containers take the hosts 1 .. size(IPv4 subnet) - 2 (their IPv4 offsets): the gateway may not be one of them.
      if (host !== BigInt(offset) && host > 0n && host < 2n ** BigInt(32 - subnet.bits)) throw invalid(`IPv6 gateway ${o.gateway6} is a container's address in berth's numbering: use ${gw6}, or a host number of ${2 ** (32 - subnet.bits)} or more`);
      gw6 = bigToIp6(g);
    }
    return { subnet: formatCidr6(s6), gateway: gw6 };
  }

  async create(o: NetworkCreateOptions): Promise<NetworkRow> {
    if ((o.driver ?? 'bridge') !== 'bridge') throw invalid(`network driver "${o.driver}" is not supported (bridge)`);
    if ((o.subnet6 || o.gateway6) && !o.ipv6) throw invalid('an IPv6 subnet or gateway needs --ipv6');
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(o.name)) throw invalid(`invalid network name "${o.name}"`);
    if (['none', 'host', 'default'].includes(o.name)) throw invalid(`network name ${o.name} is reserved`);
    await this.userNet();
    const routes = (await hostSubnets()).map(parseCidr);
    const routes6 = o.ipv6 ? (await hostSubnets6()).map(parseCidr6) : [];
    return writeTx(this.db, () => {
      if (this.db.prepare('SELECT 1 FROM networks WHERE name = ?').get(o.name)) throw conflict(`network with name ${o.name} already exists`);
      const used = this.all().map((n) => parseCidr(n.subnet));
      let subnet: Cidr;
      if (o.subnet) {
        subnet = parseCidr(o.subnet);
        const clash = this.all().find((n) => overlaps(parseCidr(n.subnet), subnet));
        if (clash) throw conflict(`invalid pool request: Pool overlaps with other one on this address space (network ${clash.name} has ${clash.subnet})`);
      } else {
        const s = freeSubnet([...used, ...routes, parseCidr(this.ctx.config.defaultNetwork.subnet)], parseCidr(this.ctx.config.subnetPool));
        if (!s) throw conflict('could not find an available, non-overlapping IPv4 address pool');
        subnet = s;
      }
      const gateway = o.gateway ? ipToInt(o.gateway) : subnet.base + 1;
      if (!contains(subnet, gateway)) throw invalid(`gateway ${o.gateway} is not in subnet ${formatCidr(subnet)}`);
      const range = o.ipRange ? parseCidr(o.ipRange) : undefined;
      if (range && !(contains(subnet, range.base) && range.bits >= subnet.bits)) throw invalid(`ip-range ${o.ipRange} is not in subnet ${formatCidr(subnet)}`);
      const v6 = o.ipv6 ? this.pickIpv6(o, subnet, gateway, routes6) : undefined;
      const row = this.insert({ name: o.name, subnet, gateway, range, internal: Boolean(o.internal), dns: true, labels: o.labels ?? {}, options: o.options ?? {} });
      if (v6) ipv6Table(this.db).prepare('INSERT INTO network_ipv6 (network_id, subnet, gateway) VALUES (?, ?, ?)').run(row.id, v6.subnet, v6.gateway);
      return row;
    });
  }

  containersOn(networkId: string): Array<{ container_id: string; ip: string; aliases: string }> {
    return this.db.prepare('SELECT container_id, ip, aliases FROM endpoints WHERE network_id = ?').all(networkId) as Array<{ container_id: string; ip: string; aliases: string }>;
  }

  /** Containers configured to use a network (running or not). */
  usersOf(name: string): string[] {
    return (this.db.prepare('SELECT name, host_config FROM containers').all() as Array<{ name: string; host_config: string }>)
      .filter((r) => {
        const hc = JSON.parse(r.host_config) as { NetworkMode: string; Networks?: Attachment[] };
        return hc.NetworkMode === name || (hc.Networks ?? []).some((a) => a.network === name);
      })
      .map((r) => r.name);
  }

  async remove(nameOrId: string): Promise<string> {
    const n = this.resolve(nameOrId);
    if (n.name === DEFAULT_NETWORK) throw conflict(`${DEFAULT_NETWORK} is a pre-defined network and cannot be removed`);
    const users = this.usersOf(n.name);
    if (users.length) throw conflict(`error while removing network: network ${n.name} id ${n.id} has active endpoints (${users.join(', ')})`);
    await this.userNet();
    await this.retire(n);
    writeTx(this.db, () => {
      ipv6Table(this.db).prepare('DELETE FROM network_ipv6 WHERE network_id = ?').run(n.id);
      this.db.prepare('DELETE FROM networks WHERE id = ?').run(n.id);
    });
    this.ctx.events.emit('network', 'destroy', n.id, { name: n.name });
    return n.name;
  }

  list(filters: string[]): NetworkRow[] {
    this.ensureDefault();
    const f = parseFilters(filters, ['name', 'id', 'label', 'driver', 'type', 'dangling']);
    return this.all().filter((n) => {
      if (f.has('name') && !f.get('name')!.some((v) => n.name.includes(v))) return false;
      if (f.has('id') && !f.get('id')!.some((v) => n.id.startsWith(v))) return false;
      if (f.has('driver') && !f.get('driver')!.includes(n.driver)) return false;
      if (f.has('type') && !f.get('type')!.some((t) => (t === 'builtin') === (n.name === DEFAULT_NETWORK))) return false;
      if (f.has('dangling') && f.get('dangling')!.includes('true') !== (this.usersOf(n.name).length === 0)) return false;
      return (f.get('label') ?? []).every((l) => labelMatches(JSON.parse(n.labels), l));
    });
  }

  async prune(): Promise<string[]> {
    const out: string[] = [];
    for (const n of this.all().filter((r) => r.name !== DEFAULT_NETWORK && this.usersOf(r.name).length === 0)) out.push(await this.remove(n.id));
    return out;
  }

  inspectJson(n: NetworkRow): Record<string, unknown> {
    const containers: Record<string, unknown> = {};
    const v6 = this.ipv6(n);
    for (const e of this.containersOn(n.id)) {
      const c = this.db.prepare('SELECT name FROM containers WHERE id = ?').get(e.container_id) as { name: string } | undefined;
      containers[e.container_id] = { Name: c?.name ?? '', EndpointID: '', MacAddress: '', IPv4Address: `${e.ip}/${parseCidr(n.subnet).bits}`, IPv6Address: v6 ? `${this.address6(n, v6, e.ip)}/${parseCidr6(v6.subnet).bits}` : '' };
    }
    return {
      Name: n.name,
      Id: n.id,
      Created: n.created,
      Scope: 'local',
      Driver: n.driver,
      EnableIPv6: v6 !== undefined,
      IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: n.subnet, Gateway: n.gateway, ...(n.ip_range ? { IPRange: n.ip_range } : {}) }, ...(v6 ? [{ Subnet: v6.subnet, Gateway: v6.gateway }] : [])] },
      Internal: Boolean(n.internal),
      Attachable: false,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Containers: containers,
      // As dockerd: a user network shows the options its creator passed, nothing more (compose
      // compares them with its file); the default network names its bridge.
      Options: { ...JSON.parse(n.options), ...(n.name === DEFAULT_NETWORK ? { 'com.docker.network.bridge.name': n.interface } : {}) },
      Labels: JSON.parse(n.labels),
    };
  }

  private info(n: NetworkRow): NetworkInfo {
    const v6 = this.ipv6(n);
    return { name: n.name, id: n.id, driver: 'bridge', network_interface: n.interface, created: n.created, subnets: [{ subnet: n.subnet, gateway: n.gateway }, ...(v6 ? [v6] : [])], ipv6_enabled: v6 !== undefined, internal: Boolean(n.internal), dns_enabled: Boolean(n.dns), ipam_options: { driver: 'host-local' } };
  }

  /** docker's bindings -> netavark's mappings, with free host ports picked and taken ones refused. */
  private async portMappings(containerId: string, bindings: PortBindings): Promise<PortMapping[]> {
    const out: PortMapping[] = [];
    const ours = this.publishedByOthers(containerId);
    for (const [key, list] of Object.entries(bindings)) {
      const [port, proto] = key.split('/') as [string, 'tcp' | 'udp'];
      for (const b of list) {
        const ip = b.HostIp || '';
        let hostPort = Number(b.HostPort || 0);
        if (!hostPort) hostPort = await freePort(ip, proto);
        else {
          const lowest = this.ctx.config.rootless ? unprivilegedPortStart() : 0;
          if (hostPort < lowest) {
            throw invalid(`rootless berth cannot publish port ${hostPort}: ports below ${lowest} are privileged on this host (allow them with: sudo sysctl net.ipv4.ip_unprivileged_port_start=${hostPort})`);
          }
          if (ours.has(`${hostPort}/${proto}`)) throw conflict(`Bind for ${ip || '0.0.0.0'}:${hostPort} failed: port is already allocated`);
          await checkFree(ip, hostPort, proto);
        }
        out.push({ host_ip: ip, container_port: Number(port), host_port: hostPort, range: 1, protocol: proto });
      }
    }
    return out;
  }

  /** host ports other running containers publish */
  private publishedByOthers(containerId: string): Set<string> {
    const out = new Set<string>();
    for (const r of this.db.prepare("SELECT id, state FROM containers WHERE id != ?").all(containerId) as Array<{ id: string; state: string }>) {
      const st = JSON.parse(r.state) as { Running?: boolean; Ports?: PortMapping[] };
      if (st.Running) for (const p of st.Ports ?? []) out.add(`${p.host_port}/${p.protocol}`);
    }
    return out;
  }

  /** Reserve (or find) the container's address on a network. Runs inside a write transaction. */
  private reserve(containerId: string, a: Attachment, n: NetworkRow): string {
    const existing = this.db.prepare('SELECT ip FROM endpoints WHERE network_id = ? AND container_id = ?').get(n.id, containerId) as { ip: string } | undefined;
    if (existing) return existing.ip;
    const subnet = parseCidr(n.subnet);
    const taken = new Set([...this.containersOn(n.id).map((e) => ipToInt(e.ip)), ipToInt(n.gateway)]);
    let ip: number | undefined;
    if (a.ip) {
      ip = ipToInt(a.ip);
      if (!contains(subnet, ip)) throw invalid(`address ${a.ip} is not in network ${n.name}'s subnet ${n.subnet}`);
      if (taken.has(ip)) throw conflict(`address ${a.ip} is already in use on network ${n.name}`);
    } else ip = freeAddress(subnet, n.ip_range ? parseCidr(n.ip_range) : subnet, taken);
    if (ip === undefined) throw conflict(`no free address left on network ${n.name}`);
    this.db.prepare('INSERT INTO endpoints (network_id, container_id, ip, aliases) VALUES (?, ?, ?, ?)').run(n.id, containerId, intToIp(ip), JSON.stringify(a.aliases));
    return intToIp(ip);
  }

  /** Join a running container to one more network (network connect). */
  /** netavark's static addresses for a container: its IPv4 one, and on a dual-stack network the IPv6 one. */
  private staticIps(n: NetworkRow, ip: string): string[] {
    const v6 = this.ipv6(n);
    return v6 ? [ip, this.address6(n, v6, ip)] : [ip];
  }

  private endpoint(n: NetworkRow, ip: string, mac: string, aliases: string[]): Endpoint {
    const v6 = this.ipv6(n);
    const six = v6 ? { GlobalIPv6Address: this.address6(n, v6, ip), GlobalIPv6PrefixLen: parseCidr6(v6.subnet).bits, IPv6Gateway: v6.gateway } : {};
    return { IPAddress: ip, Gateway: n.gateway, IPPrefixLen: parseCidr(n.subnet).bits, MacAddress: mac, NetworkID: n.id, Aliases: aliases, ...six };
  }

  async connect(c: { id: string; name: string; bundle: string }, a: Attachment): Promise<Endpoint & { dnsServers: string[] }> {
    const file = join(c.bundle, 'network.json');
    if (!existsSync(file)) throw conflict(`container ${c.name} has no bridge network to extend (it runs with network none, host or container:)`);
    await this.userNet();
    const whole = JSON.parse(readFileSync(file, 'utf8')) as SetupRequest;
    const n = this.resolve(a.network);
    if (whole.networks[n.name]) throw conflict(`endpoint with name ${c.name} already exists in network ${n.name}`);
    const ip = writeTx(this.db, () => this.reserve(c.id, a, n));
    const iface = `eth${Object.keys(whole.networks).length}`;
    const one: SetupRequest = { container_id: c.id, container_name: c.name, port_mappings: [], networks: { [n.name]: { static_ips: this.staticIps(n, ip), aliases: dnsAliases(c, a.aliases), interface_name: iface } }, network_info: { [n.name]: this.info(n) } };
    try {
      const res = await this.wire(netnsPath(`berth-${c.id.slice(0, 12)}`), one);
      writeFileSync(file, JSON.stringify({ ...whole, networks: { ...whole.networks, ...one.networks }, network_info: { ...whole.network_info, ...one.network_info } }));
      return { ...this.endpoint(n, ip, res[n.name]?.interfaces?.[iface]?.mac_address ?? '', a.aliases), dnsServers: res[n.name]?.dns_server_ips ?? [] };
    } catch (e) {
      this.db.prepare('DELETE FROM endpoints WHERE network_id = ? AND container_id = ?').run(n.id, c.id);
      throw e;
    }
  }

  /** Take a running container off one network (network disconnect); says which DNS server the network gave it. */
  async disconnect(c: { id: string; name: string; bundle: string }, network: string): Promise<{ dnsServers: string[] }> {
    const file = join(c.bundle, 'network.json');
    const n = this.resolve(network);
    await this.userNet();
    const whole = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SetupRequest) : undefined;
    if (!whole?.networks[n.name]) throw conflict(`container ${c.name} is not connected to network ${n.name}`);
    const one: SetupRequest = { container_id: c.id, container_name: c.name, port_mappings: [], networks: { [n.name]: whole.networks[n.name] }, network_info: { [n.name]: whole.network_info[n.name] } };
    await this.unwire(netnsPath(`berth-${c.id.slice(0, 12)}`), one);
    const { [n.name]: _gone, ...networks } = whole.networks;
    const { [n.name]: _info, ...info } = whole.network_info;
    writeFileSync(file, JSON.stringify({ ...whole, networks, network_info: info }));
    this.db.prepare('DELETE FROM endpoints WHERE network_id = ? AND container_id = ?').run(n.id, c.id);
    const v6 = this.ipv6(n);
    return { dnsServers: n.dns ? [n.gateway, ...(v6 ? [v6.gateway] : [])] : [] };
  }

  /** Wire a container's network namespace to its networks. */
  async attach(c: { id: string; name: string; hostname: string; attachments: Attachment[]; bindings: PortBindings; bundle: string }): Promise<Wired> {
    const user = await this.userNet();
    const rows = c.attachments.map((a) => ({ a, n: this.resolve(a.network) }));
    const ips = writeTx(this.db, () => rows.map(({ a, n }) => this.reserve(c.id, a, n)));
    const req: SetupRequest = {
      container_id: c.id,
      container_name: c.name,
      port_mappings: await this.portMappings(c.id, c.bindings).catch((e: unknown) => {
        this.release(c.id);
        throw e;
      }),
      networks: Object.fromEntries(rows.map(({ a, n }, i) => [n.name, { static_ips: this.staticIps(n, ips[i]), aliases: dnsAliases(c, a.aliases), interface_name: `eth${i}`, ...(a.mac ? { static_mac: a.mac } : {}) }])),
      network_info: Object.fromEntries(rows.map(({ n }) => [n.name, this.info(n)])),
    };
    // Rootless, published ports reach the user's namespace through slirp4netns (which binds the
    // host address); netavark's rules there take any address.
    const published = req.port_mappings;
    if (user) req.port_mappings = published.map((p) => ({ ...p, host_ip: '' }));
    const name = `berth-${c.id.slice(0, 12)}`;
    const netns = await createNetns(name);
    writeFileSync(join(c.bundle, 'network.json'), JSON.stringify(req));
    try {
      const res = await this.wire(netns, req);
      if (user && published.length) {
        writeFileSync(join(c.bundle, 'forwards.json'), JSON.stringify(published));
        // Forwarders go straight to the container's address on its first network.
        const ip = ips[0] ?? '';
        try {
          for (const p of published) await user.forward(p.protocol, p.host_ip, p.host_port, { ip, port: p.container_port });
        } catch (e) {
          for (const p of published) await user.unforward(p.protocol, p.host_ip, p.host_port);
          await this.unwire(netns, req).catch(() => undefined);
          throw e;
        }
      }
      const networks: Wired['networks'] = {};
      const dns = new Set<string>();
      rows.forEach(({ a, n }, i) => {
        const st = res[n.name];
        const iface = st?.interfaces?.[`eth${i}`];
        networks[n.name] = this.endpoint(n, ips[i], iface?.mac_address ?? '', a.aliases);
        for (const d of st?.dns_server_ips ?? []) dns.add(d);
      });
      return { netns, networks, ports: published, dnsServers: [...dns] };
    } catch (e) {
      await deleteNetns(name);
      rmSync(join(c.bundle, 'network.json'), { force: true });
      this.release(c.id);
      throw e;
    }
  }

  /** Undo attach: netavark teardown, the namespace, the addresses. Safe to call twice. */
  async detach(containerId: string, bundle: string): Promise<void> {
    const file = join(bundle, 'network.json');
    const name = `berth-${containerId.slice(0, 12)}`;
    const forwards = join(bundle, 'forwards.json');
    if (existsSync(forwards)) {
      const user = await this.userNet();
      for (const p of JSON.parse(readFileSync(forwards, 'utf8')) as PortMapping[]) await user?.unforward(p.protocol, p.host_ip, p.host_port);
      rmSync(forwards, { force: true });
    }
    if (existsSync(file)) {
      await this.userNet();
      const req = JSON.parse(readFileSync(file, 'utf8')) as SetupRequest;
      await this.unwire(netnsPath(name), req).catch(() => undefined);
      rmSync(file, { force: true });
    }
    await deleteNetns(name);
    this.release(containerId);
  }

  release(containerId: string): void {
    this.db.prepare('DELETE FROM endpoints WHERE container_id = ?').run(containerId);
  }
}
