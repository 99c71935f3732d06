// /_ping, /version, /info, /system/df, /events, /auth.
import { API_VERSION, filters, json, readJson, res, type ApiRequest } from '../http.js';
import type { Router } from '../router.js';
import { jsonStream } from '../stream.js';
import { dockerInfo, versionReport } from '../../engine/system.js';
import { ContainerService } from '../../engine/containers.js';
import { ImageService } from '../../engine/images.js';
import { VolumeService } from '../../engine/volumes.js';
import { EVENT_FILTERS, readEvents } from '../../engine/events.js';
import { checkLogin } from '../../engine/auth.js';
import { parseFilters, parseTimestamp } from '../../images/filters.js';
import { invalid, notImplemented } from '../../errors.js';
import { dirSize } from '../../platform/du.js';
import { containerSummary } from '../../engine/container-view.js';


function ping(r: ApiRequest): void {
  const out = res(r);
  out.writeHead(200, {
    'API-Version': API_VERSION,
    OSType: 'linux',
    'Builder-Version': '1',
    'Docker-Experimental': 'false',
    Swarm: 'inactive',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': r.req.method === 'HEAD' ? '0' : '2',
  });
  out.end(r.req.method === 'HEAD' ? undefined : 'OK');
}

function version(r: ApiRequest): void {
  json(r, 200, versionReport());
}

async function info(r: ApiRequest): Promise<void> {
  json(r, 200, await dockerInfo(r.engine));
}

async function df(r: ApiRequest): Promise<void> {
  const images = new ImageService(r.engine).list({ all: true });
  const svc = new ContainerService(r.engine);
  const containers = await svc.list(true);
  const volumes = new VolumeService(r.engine);
  const used = volumes.usage();
  const usedImages = new Map<string, number>();
  for (const c of containers) usedImages.set(c.imageId, (usedImages.get(c.imageId) ?? 0) + 1);
  json(r, 200, {
    LayersSize: images.reduce((n, i) => n + i.size, 0),
    Images: images.map((i) => ({ Id: i.id, ParentId: i.record.parent ?? '', RepoTags: i.repoTags, RepoDigests: i.repoDigests, Created: Math.floor(i.created / 1000), Size: i.size, SharedSize: -1, VirtualSize: i.size, Labels: i.labels, Containers: usedImages.get(i.id) ?? 0 })),
    Containers: containers.map((c) => ({ ...containerSummary(c), SizeRw: dirSize(svc.paths(c.id).upper), SizeRootFs: 0 })),
    Volumes: volumes.list().map((v) => ({ Name: v.Name, Driver: v.Driver, Mountpoint: v.Mountpoint, CreatedAt: v.CreatedAt, Labels: v.Labels, Scope: v.Scope, Options: v.Options, UsageData: { Size: dirSize(v.Mountpoint), RefCount: used.get(v.Name)?.length ?? 0 } })),
    BuildCache: [],
  });
}

/** GET /events: what happened since `since`, then (without `until`) what happens, as it happens. */
async function events(r: ApiRequest): Promise<void> {
  const f = parseFilters(filters(r.query), EVENT_FILTERS);
  const now = Date.now();
  const since = r.query.get('since');
  const until = r.query.get('until');
  const sinceMs = since ? parseTimestamp(since, now) : now;
  const untilMs = until ? parseTimestamp(until, now) : Infinity;
  const out = jsonStream(r);
  let last = 0n;
  const sinceNs = BigInt(Math.floor(sinceMs)) * 1_000_000n;
  while (!out.isClosed()) {
    const got = readEvents(r.engine.db, last, sinceNs, f);
    last = got.last;
    for (const { seq: _s, ns: _n, ...e } of got.events) {
      if (e.timeNano / 1e6 > untilMs) continue;
      // The fields docker's API sent before 1.22 are still read by some clients.
      out.send({ status: e.Action, id: e.Actor.ID, from: e.Actor.Attributes.image, ...e });
    }
    if (Date.now() > untilMs) break;
    await Promise.race([new Promise((ok) => setTimeout(ok, 200)), out.closed]);
  }
  out.end();
}

async function auth(r: ApiRequest): Promise<void> {
  const body = await readJson<{ username?: string; password?: string; serveraddress?: string; identitytoken?: string }>(r.req);
  if (!body.username && !body.identitytoken) throw invalid('username is required');
  await checkLogin(r.engine.config, body.serveraddress || undefined, { username: body.username ?? '', password: body.password ?? body.identitytoken ?? '' });
  json(r, 200, { Status: 'Login Succeeded', IdentityToken: '' });
}

export function systemRoutes(router: Router): void {
  router
    .get('/_ping', ping)
    .head('/_ping', ping)
    .get('/version', version)
    .get('/info', info)
    .get('/system/df', df)
    .get('/events', events)
    .post('/auth', auth)
    .get('/images/search', () => {
      throw notImplemented('image search is not supported by berth');
    });
}
