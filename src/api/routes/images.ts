// /images/..., /commit: translations to ImageService, pull, push, save, load, import.
import { ContainerFiles } from '../../engine/container-files.js';
import { bool, filters, json, readBody, res, type ApiRequest } from '../http.js';
import type { Router } from '../router.js';
import { jsonStream } from '../stream.js';
import { engineFor } from '../registry-auth.js';
import { deleteItems, ImageService } from '../../engine/images.js';
import { pullReported } from '../../images/pull.js';
import { pushImage } from '../../images/push.js';
import { saveImages, loadImages, loadedLines } from '../../images/archive.js';
import { importImage, importSource } from '../../images/import.js';
import { parseReference } from '../../images/reference.js';
import { parsePlatform } from '../../images/manifest.js';
import type { ProgressEvent } from '../../images/progress.js';
import { errorMessage, invalid } from '../../errors.js';
import type { EngineContext } from '../../engine/context.js';

/** A JSON progress stream that opens on its first message, so an early failure is still a plain error status. */
function lazyProgress(r: ApiRequest) {
  let stream: ReturnType<typeof jsonStream> | undefined;
  const open = () => (stream ??= jsonStream(r));
  return {
    send(ev: ProgressEvent | Record<string, unknown>) {
      open().send(ev);
    },
    started: () => stream !== undefined,
    /** the error as docker streams it once the 200 is out; rethrown otherwise */
    fail(e: unknown): void {
      if (!stream) throw e;
      stream.send({ errorDetail: { message: errorMessage(e) }, error: errorMessage(e) });
      stream.end();
    },
    end() {
      open().end();
    },
  };
}

async function list(r: ApiRequest): Promise<void> {
  json(r, 200, new ImageService(r.engine).summaries({ filters: filters(r.query), all: bool(r.query, 'all') }));
}

async function create(r: ApiRequest): Promise<void> {
  const q = r.query;
  const fromSrc = q.get('fromSrc');
  if (fromSrc) return importFrom(r, fromSrc);
  // `pull -a` may send the name with a trailing ":" (dockerd drops it too)
  const from = q.get('fromImage')?.replace(/:$/, '');
  if (!from) throw invalid('fromImage or fromSrc is required');
  const tag = q.get('tag');
  const name = tag ? (tag.startsWith('sha256:') ? `${from}@${tag}` : `${from}:${tag}`) : from;
  // as dockerd: no tag and no digest anywhere pulls every tag of the repository
  const ref = parseReference(name, { defaultTag: false });
  const platform = q.get('platform') ? parsePlatform(q.get('platform')!) : undefined;
  const { engine, done } = engineFor(r.engine, r.req);
  const out = lazyProgress(r);
  try {
    await pullReported(engine, ref, { platform, onProgress: (ev) => out.send(ev) });
    out.end();
  } catch (e) {
    out.fail(e);
  } finally {
    done();
  }
}

/** POST /images/create?fromSrc=-|URL: a root filesystem tarball from the body, or downloaded from an http(s) URL. */
async function importFrom(r: ApiRequest, src: string): Promise<void> {
  const input = await importSource(src, r.req);
  const repo = r.query.get('repo');
  const tag = r.query.get('tag');
  const id = await importImage(r.engine, input, {
    changes: r.query.getAll('changes'),
    message: r.query.get('message') ?? undefined,
    tag: repo ? (tag ? `${repo}:${tag}` : repo) : undefined,
    source: src,
    platform: r.query.get('platform') ? parsePlatform(r.query.get('platform')!) : undefined,
  });
  const out = jsonStream(r);
  out.send({ status: id });
  out.end();
}

async function push(r: ApiRequest): Promise<void> {
  const tag = r.query.get('tag');
  const name = tag ? `${r.params.name}:${tag}` : r.params.name;
  const { engine, done } = engineFor(r.engine, r.req);
  const out = lazyProgress(r);
  try {
    const results = await pushImage(engine, name, (ev) => out.send(ev), { allTags: !tag && !/:[^/]+$/.test(r.params.name) });
    // the "TAG: digest: ... size: ..." line came with the progress; the result, for clients, as aux
    for (const p of results) out.send({ progressDetail: {}, aux: { Tag: p.tag, Digest: p.digest, Size: p.size } });
    out.end();
  } catch (e) {
    out.fail(e);
  } finally {
    done();
  }
}

function inspect(r: ApiRequest): void {
  const svc = new ImageService(r.engine);
  json(r, 200, svc.inspectJson(svc.inspect(r.params.name)));
}

function history(r: ApiRequest): void {
  json(r, 200, new ImageService(r.engine).historyItems(r.params.name));
}

function tag(r: ApiRequest): void {
  const repo = r.query.get('repo');
  if (!repo) throw invalid('repo is required');
  const t = r.query.get('tag');
  new ImageService(r.engine).tag(r.params.name, t ? `${repo}:${t}` : repo);
  res(r).writeHead(201).end();
}

function remove(r: ApiRequest): void {
  json(r, 200, deleteItems(new ImageService(r.engine).remove(r.params.name, { force: bool(r.query, 'force') })));
}

async function save(r: ApiRequest, names: string[]): Promise<void> {
  if (!names.length) throw invalid('no image names given');
  const svc = new ImageService(r.engine);
  for (const n of names) svc.inspect(n); // 404 before the 200
  const out = res(r);
  out.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await saveImages(r.engine, names, 'docker-archive', out);
  out.end();
}

async function load(r: ApiRequest): Promise<void> {
  const loaded = await loadImages(r.engine, r.req);
  const out = jsonStream(r);
  for (const line of loadedLines(loaded)) out.send({ stream: line });
  out.end();
}

function prune(r: ApiRequest): void {
  const f = filters(r.query);
  const out = new ImageService(r.engine).prune({ filters: f });
  json(r, 200, { ImagesDeleted: deleteItems(out), SpaceReclaimed: out.reclaimed });
}

async function commit(r: ApiRequest, engine: EngineContext): Promise<void> {
  await readBody(r.req); // the container config docker may send is not applied: --change is
  const q = r.query;
  const container = q.get('container');
  if (!container) throw invalid('container is required');
  const repo = q.get('repo');
  const t = q.get('tag');
  const id = await new ContainerFiles(engine).commit(container, {
    reference: repo ? (t ? `${repo}:${t}` : repo) : undefined,
    changes: q.getAll('changes').flatMap((c) => c.split('\n')).filter(Boolean),
    message: q.get('comment') ?? undefined,
    author: q.get('author') ?? undefined,
    pause: bool(q, 'pause', true),
  });
  json(r, 201, { Id: id });
}

export function imageRoutes(router: Router): void {
  router
    .get('/images/json', list)
    .post('/images/create', create)
    .post('/images/load', load)
    .post('/images/prune', prune)
    .get('/images/get', (r) => save(r, r.query.getAll('names')))
    .post('/commit', (r) => commit(r, r.engine))
    .get('/images/{name*}/json', inspect)
    .get('/images/{name*}/history', history)
    .get('/images/{name*}/get', (r) => save(r, [r.params.name]))
    .post('/images/{name*}/push', push)
    .post('/images/{name*}/tag', tag)
    .delete('/images/{name*}', remove);
}
