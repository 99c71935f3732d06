// /networks/...: translations to NetworkService, and ContainerService for connect/disconnect.
import { filters, json, noContent, readJson, res, type ApiRequest } from '../http.js';
import type { Router } from '../router.js';
import { DEFAULT_NETWORK, NetworkService } from '../../engine/networks.js';
import { ContainerService } from '../../engine/containers.js';
import { invalid, notFound } from '../../errors.js';
import { networkCreateOptions } from '../bodies.js';

type Obj = Record<string, unknown>;

/** docker always lists host and none: berth has them as modes, not rows. */
function pseudo(name: 'host' | 'none'): Obj {
  return { Name: name, Id: name, Created: '0001-01-01T00:00:00Z', Scope: 'local', Driver: name === 'host' ? 'host' : 'null', EnableIPv6: false, IPAM: { Driver: 'default', Options: null, Config: [] }, Internal: false, Attachable: false, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false, Containers: {}, Options: {}, Labels: {} };
}

function resolve(svc: NetworkService, id: string) {
  try {
    return svc.resolve(id);
  } catch {
    throw notFound(`network ${id} not found`);
  }
}

function list(r: ApiRequest): void {
  const svc = new NetworkService(r.engine);
  svc.resolve(DEFAULT_NETWORK); // made on first use, as every client expects to find it
  const f = filters(r.query);
  const rows = svc.list(f).map((n) => svc.inspectJson(n));
  if (!f.length) rows.push(pseudo('host'), pseudo('none'));
  json(r, 200, rows);
}

function inspect(r: ApiRequest): void {
  const id = r.params.id;
  if (id === 'host' || id === 'none') return json(r, 200, pseudo(id));
  const svc = new NetworkService(r.engine);
  json(r, 200, svc.inspectJson(resolve(svc, id)));
}

async function create(r: ApiRequest): Promise<void> {
  const n = await new NetworkService(r.engine).create(networkCreateOptions(await readJson(r.req)));
  json(r, 201, { Id: n.id, Warning: '' });
}

async function remove(r: ApiRequest): Promise<void> {
  const svc = new NetworkService(r.engine);
  await svc.remove(resolve(svc, r.params.id).id);
  noContent(r);
}

async function connect(r: ApiRequest, verb: 'connect' | 'disconnect'): Promise<void> {
  const body = await readJson(r.req);
  const container = body.Container;
  if (typeof container !== 'string' || !container) throw invalid('Container is required');
  const svc = new NetworkService(r.engine);
  const n = resolve(svc, r.params.id);
  const ep = (body.EndpointConfig ?? {}) as { Aliases?: unknown; IPAMConfig?: { IPv4Address?: unknown } };
  const aliases = Array.isArray(ep.Aliases) ? ep.Aliases.filter((a): a is string => typeof a === 'string') : [];
  const ip = typeof ep.IPAMConfig?.IPv4Address === 'string' && ep.IPAMConfig.IPv4Address ? ep.IPAMConfig.IPv4Address : undefined;
  await new ContainerService(r.engine).changeNetwork(verb, container, n.name, { aliases, ...(ip ? { ip } : {}) });
  res(r).writeHead(200).end();
}

async function prune(r: ApiRequest): Promise<void> {
  filters(r.query);
  json(r, 200, { NetworksDeleted: await new NetworkService(r.engine).prune() });
}

export function networkRoutes(router: Router): void {
  router
    .get('/networks', list)
    .post('/networks/create', create)
    .post('/networks/prune', prune)
    .get('/networks/{id}', inspect)
    .delete('/networks/{id}', remove)
    .post('/networks/{id}/connect', (r) => connect(r, 'connect'))
    .post('/networks/{id}/disconnect', (r) => connect(r, 'disconnect'));
}
