// POST /build (the classic builder endpoint the docker CLI uses without buildx): the body is
// the context as a tar, the query carries docker build's flags, and the answer is docker's
// JSON stream: progress as {"stream"} lines, {"aux":{"ID"}} and "Successfully built/tagged"
// (which docker-compose and docker-py read), or {"error"} once the 200 is out.
import { posix } from 'node:path';
import { bool, json, type ApiRequest } from '../http.js';
import type { Router } from '../router.js';
import { jsonStream } from '../stream.js';
import { BuildService } from '../../engine/builds.js';
import type { BuildCachePrune } from '../../backend/images.js';
import { BuildError } from '../../build/builder.js';
import { BuildProgress } from '../../build/progress.js';
import { errorMessage, invalid, notImplemented } from '../../errors.js';
import { parsePlatform } from '../../images/manifest.js';
import { familiarTagged, shortId } from '../../engine/images.js';

function jsonMap(q: URLSearchParams, key: string): Map<string, string> {
  const raw = q.get(key);
  if (!raw) return new Map();
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw invalid(`invalid ${key}: ${raw}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`invalid ${key}: ${raw}`);
  // A null value means "from the environment" in the CLI; the service has none to offer.
  return new Map(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== null).map(([k, x]) => [k, String(x)]));
}

async function build(r: ApiRequest): Promise<void> {
  const q = r.query;
  if (q.get('remote')) throw notImplemented('building from a remote context (remote=) is not supported by berth; send the context as the request body');
  const platform = q.get('platform') || undefined;
  const quiet = bool(q, 'q');
  const tags = q.getAll('t');
  // A path within the context the client sent, never a file of the service's host.
  const dockerfile = q.get('dockerfile') || 'Dockerfile';
  if (posix.isAbsolute(dockerfile) || posix.normalize(dockerfile).split('/')[0] === '..') throw invalid(`invalid dockerfile "${dockerfile}": it must be a path within the build context`);
  const request = {
    context: { tar: r.req },
    dockerfile: { path: dockerfile },
    tags,
    buildArgs: jsonMap(q, 'buildargs'),
    target: q.get('target') || undefined,
    noCache: bool(q, 'nocache'),
    pull: bool(q, 'pull'),
    labels: Object.fromEntries(jsonMap(q, 'labels')),
    network: q.get('networkmode') || 'default',
    platform: platform ? parsePlatform(platform) : undefined,
  };
  const out = jsonStream(r);
  const progress = new BuildProgress(quiet ? 'quiet' : 'plain', (s) => out.send({ stream: s }));
  try {
    const res = await new BuildService(r.engine).build({ ...request, onEvent: (e) => progress.on(e) });
    out.send({ aux: { ID: res.id } });
    if (quiet) out.send({ stream: `${res.id}\n` });
    else {
      out.send({ stream: `Successfully built ${shortId(res.id)}\n` });
      for (const t of res.tags) out.send({ stream: `Successfully tagged ${familiarTagged(t)}\n` });
    }
  } catch (e) {
    const message = e instanceof BuildError ? e.report() : errorMessage(e);
    out.send({ errorDetail: { message }, error: message });
  } finally {
    out.end();
  }
}

async function prune(r: ApiRequest): Promise<void> {
  const res = new BuildService(r.engine).prune({ all: bool(r.query, 'all') });
  json(r, 200, { CachesDeleted: res.deleted, SpaceReclaimed: res.reclaimed } satisfies BuildCachePrune);
}

export function buildRoutes(router: Router): void {
  router.post('/build', build).post('/build/prune', prune);
}
