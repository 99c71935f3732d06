// docker's request bodies for networks and volumes, both ways: what the remote backend sends
// (from the options the CLI builds from its flags) and what the API's handlers read back into
// those options. One translation, so the CLI and the API ask the engine for the same thing.
import type { NetworkCreateOptions } from '../engine/networks.js';
import type { VolumeCreateOptions } from '../backend/volumes.js';
import { invalid } from '../errors.js';

type Obj = Record<string, unknown>;

/** An object of strings (Labels, Options, DriverOpts); absent or null is empty. */
export function stringMap(v: unknown, name: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) throw invalid(`invalid ${name}: expected an object of strings`);
  return v as Record<string, string>;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** POST /networks/create's body: one IPAM config per address family (berth has at most one of each). */
export function networkCreateBody(o: NetworkCreateOptions): Obj {
  const v4 = { Subnet: o.subnet, Gateway: o.gateway, IPRange: o.ipRange };
  const v6 = { Subnet: o.subnet6, Gateway: o.gateway6 };
  const given = (c: Record<string, string | undefined>) => Object.values(c).some(Boolean);
  const strip = (c: Record<string, string | undefined>) => Object.fromEntries(Object.entries(c).filter(([, v]) => v));
  return {
    Name: o.name,
    Driver: o.driver ?? 'bridge',
    Internal: Boolean(o.internal),
    Attachable: false,
    Ingress: false,
    ...(o.ipv6 ? { EnableIPv6: true } : {}),
    IPAM: { Driver: 'default', Options: {}, Config: [v4, v6].filter(given).map(strip) },
    Options: o.options ?? {},
    Labels: o.labels ?? {},
  };
}

/** The body of POST /networks/create, checked, as the engine's options. */
export function networkCreateOptions(body: Obj): NetworkCreateOptions {
  const name = body.Name;
  if (typeof name !== 'string' || !name) throw invalid('network name is required');
  const ipam = (body.IPAM ?? {}) as Obj;
  if (typeof ipam !== 'object') throw invalid('invalid IPAM');
  const configs = (Array.isArray(ipam.Config) ? ipam.Config : []) as unknown[];
  let v4: Obj | undefined;
  let v6: Obj | undefined;
  for (const c of configs) {
    if (!c || typeof c !== 'object' || Array.isArray(c)) throw invalid('invalid IPAM config: expected an object');
    const cfg = c as Obj;
    // the family of a config: its subnet's, or its gateway's or range's when it has no subnet
    const six = (text(cfg.Subnet) ?? text(cfg.Gateway) ?? text(cfg.IPRange) ?? '').includes(':');
    if (six ? v6 : v4) throw invalid(`only one IPv${six ? 6 : 4} IPAM config (one IPv${six ? 6 : 4} subnet) is supported`);
    if (six && text(cfg.IPRange)) throw invalid('an IPv6 ip-range is not supported');
    if (six) v6 = cfg;
    else v4 = cfg;
  }
  return {
    name,
    driver: text(body.Driver) ?? 'bridge',
    subnet: text(v4?.Subnet),
    gateway: text(v4?.Gateway),
    ipRange: text(v4?.IPRange),
    subnet6: text(v6?.Subnet),
    gateway6: text(v6?.Gateway),
    internal: body.Internal === true,
    ipv6: body.EnableIPv6 === true,
    labels: stringMap(body.Labels, 'Labels'),
    options: stringMap(body.Options, 'Options'),
  };
}

/** POST /volumes/create's body. */
export function volumeCreateBody(o: VolumeCreateOptions): Obj {
  return { ...(o.name ? { Name: o.name } : {}), Driver: o.driver ?? 'local', DriverOpts: o.options ?? {}, Labels: o.labels ?? {} };
}

/** The body of POST /volumes/create, checked, as the engine's options. */
export function volumeCreateOptions(body: Obj): VolumeCreateOptions {
  if (body.Name !== undefined && typeof body.Name !== 'string') throw invalid('invalid Name: expected a string');
  return { name: text(body.Name), driver: text(body.Driver) ?? 'local', labels: stringMap(body.Labels, 'Labels'), options: stringMap(body.DriverOpts, 'DriverOpts') };
}
