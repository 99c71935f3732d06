// /images/..., /commit: translations to ImageService, pull, push, save, load, import.
import { ContainerFiles } from '../../engine/container-files.js';
import { Readable } from 'node:stream';
import { bool, filters, json, readBody, res, type ApiRequest } from '../http.js';
import type { Router } from '../router.js';
import { jsonStream } from '../stream.js';
import { engineFor } from '../registry-auth.js';
import { imageSummary } from '../views.js';
import { ImageService } from '../../engine/images.js';
import { pullImage } from '../../images/pull.js';
import { pushImage } from '../../images/push.js';
import { saveImages, loadImages } from '../../images/archive.js';
import { importImage } from '../../images/import.js';
import { familiarName, familiarReference, parseReference, splitTagged } from '../../images/reference.js';
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
  const images = new ImageService(r.engine).list({ filters: filters(r.query), all: bool(r.query, 'all') });
  const used = new Map<string, number>();
  for (const row of r.engine.db.prepare('SELECT image_id FROM containers').all() as Array<{ image_id: string }>) used.set(row.image_id, (used.get(row.image_id) ?? 0) + 1);
  json(r, 200, images.map((i) => imageSummary(i, used.get(i.id) ?? 0)));
}

async function create(r: ApiRequest): Promise<void> {
  const q = r.query;
  const fromSrc = q.get('fromSrc');
  if (fromSrc) return importFrom(r, fromSrc);
  const from = q.get('fromImage');
  if (!from) throw invalid('fromImage or fromSrc is required');
  const tag = q.get('tag');
  const name = tag ? (tag.startsWith('sha256:') ? `${from}@${tag}` : `${from}:${tag}`) : from;
  const ref = parseReference(name);
  const platform = q.get('platform') ? parsePlatform(q.get('platform')!) : undefined;
  const { engine, done } = engineFor(r.engine, r.req);
  const out = lazyProgress(r);
  try {
    const pulled = await pullImage(engine, ref, { platform, onProgress: (ev) => out.send(ev) });
    out.send({ status: `Digest: ${pulled.digest}` });
    out.send({ status: pulled.downloaded ? `Status: Downloaded newer image for ${familiarReference(ref)}` : `Status: Image is up to date for ${familiarReference(ref)}` });
    out.end();
  } catch (e) {
    out.fail(e);
  } finally {
    done();
  }
}

/** POST /images/create?fromSrc=-|URL: a root filesystem tarball from the body, or downloaded from an http(s) URL. */
async function importFrom(r: ApiRequest, src: string): Promise<void> {
  let input: Readable = r.req;
  if (src !== '-') {
    if (!/^https?:\/\//i.test(src)) throw invalid(`fromSrc must be "-" or an http(s) URL, not "${src}"`);
    let resp: Response;
    try {
      resp = await fetch(src, { redirect: 'follow' });
    } catch (e) {
      throw invalid(`downloading ${src}: ${errorMessage((e as { cause?: unknown }).cause ?? e)}`);
    }
    if (!resp.ok || !resp.body) throw invalid(`downloading ${src}: ${resp.status} ${resp.statusText}`);
    input = Readable.fromWeb(resp.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }
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
    for (const p of results) {
      out.send({ status: `${p.tag}: digest: ${p.digest} size: ${p.size}` });
      out.send({ progressDetail: {}, aux: { Tag: p.tag, Digest: p.digest, Size: p.size } });
    }
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
  json(r, 200, new ImageService(r.engine).history(r.params.name).map((h) => ({ Id: h.id, Created: Math.floor(h.created / 1000), CreatedBy: h.createdBy, Tags: h.tags.length ? h.tags : null, Size: h.size, Comment: h.comment })));
}

function tag(r: ApiRequest): void {
  const repo = r.query.get('repo');
  if (!repo) throw invalid('repo is required');
  const t = r.query.get('tag');
  new ImageService(r.engine).tag(r.params.name, t ? `${repo}:${t}` : repo);
  res(r).writeHead(201).end();
}

function remove(r: ApiRequest): void {
  const out = new ImageService(r.engine).remove(r.params.name, { force: bool(r.query, 'force') });
  json(r, 200, [...out.untagged.map((u) => ({ Untagged: u })), ...out.deleted.map((d) => ({ Deleted: d }))]);
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
  for (const img of loaded) {
    if (img.tags.length) for (const t of img.tags) out.send({ stream: `Loaded image: ${familiarName(splitTagged(t).repo)}:${splitTagged(t).tag}\n` });
    else out.send({ stream: `Loaded image ID: ${img.id}\n` });
  }
  out.end();
}

function prune(r: ApiRequest): void {
  const f = filters(r.query);
  const out = new ImageService(r.engine).prune({ filters: f });
  json(r, 200, { ImagesDeleted: [...out.untagged.map((u) => ({ Untagged: u })), ...out.deleted.map((d) => ({ Deleted: d }))], SpaceReclaimed: out.reclaimed });
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
