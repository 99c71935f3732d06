// /containers/...: each handler a translation to ContainerService (src/engine/containers.ts).
import { ContainerFiles } from '../../engine/container-files.js';
import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { bool, filters, int, json, noContent, readJson, res, type ApiRequest } from '../http.js';
import type { Router } from '../router.js';
import { hijack, jsonStream, MULTIPLEXED, RAW, frame } from '../stream.js';
import { createRequest } from '../create.js';
import { attach, connectWaiting } from '../attach.js';
import { attachWebsocket } from '../websocket.js';
import { containerInspect } from '../views.js';
import { containerSummary } from '../../engine/container-view.js';
import { ContainerService } from '../../engine/containers.js';
import { CONTAINER_FILTERS, filterContainers, filtersNeedAll, pruneFilters } from '../../engine/container-filters.js';
import { parseTail, readLogs } from '../../engine/logs.js';
import { resizeTty } from '../../engine/attach.js';
import { parsePs, psOutput } from '../../engine/top.js';
import { parseFilters, parseTimestamp } from '../../images/filters.js';
import { resolveInRoot } from '../../containers/copy.js';
import { conflict, invalid, notFound } from '../../errors.js';
import { containerStats } from '../../engine/stats.js';
import { dirSize } from '../../platform/du.js';
import type { HostConfig } from '../../containers/model.js';

const svcOf = (r: ApiRequest) => new ContainerService(r.engine);
const filesOf = (r: ApiRequest) => new ContainerFiles(r.engine);
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function list(r: ApiRequest): Promise<void> {
  const svc = svcOf(r);
  const f = parseFilters(filters(r.query), CONTAINER_FILTERS);
  const limit = int(r.query, 'limit') ?? -1;
  const all = bool(r.query, 'all') || limit > 0 || filtersNeedAll(f);
  let found = await filterContainers(svc, r.engine.images, await svc.list(all), f);
  if (limit > 0) found = found.slice(0, limit);
  const size = bool(r.query, 'size');
  json(r, 200, found.map((c) => ({ ...containerSummary(c), ...(size ? { SizeRw: dirSize(svc.paths(c.id).upper), SizeRootFs: (r.engine.images.get(c.imageId)?.size ?? 0) + dirSize(svc.paths(c.id).upper) } : {}) })));
}

async function create(r: ApiRequest): Promise<void> {
  const body = await readJson(r.req);
  const req = createRequest(body, r.query.get('name') ?? undefined, r.query.get('platform') ?? undefined);
  const c = await svcOf(r).create(req);
  json(r, 201, { Id: c.id, Warnings: [] });
}

async function inspect(r: ApiRequest): Promise<void> {
  const svc = svcOf(r);
  const c = await svc.get(r.params.id);
  const out = containerInspect(r.engine, svc, c);
  if (bool(r.query, 'size')) Object.assign(out, { SizeRw: dirSize(svc.paths(c.id).upper), SizeRootFs: (r.engine.images.get(c.imageId)?.size ?? 0) + dirSize(svc.paths(c.id).upper) });
  json(r, 200, out);
}

async function top(r: ApiRequest): Promise<void> {
  const pids = await svcOf(r).processes(r.params.id);
  const psArgs = (r.query.get('ps_args') ?? '-ef').split(/\s+/).filter(Boolean);
  json(r, 200, parsePs(await psOutput(pids, psArgs)));
}

async function logs(r: ApiRequest): Promise<void> {
  const svc = svcOf(r);
  const c = await svc.get(r.params.id);
  const q = r.query;
  const stdout = bool(q, 'stdout');
  const stderr = bool(q, 'stderr');
  if (!stdout && !stderr) throw invalid('Bad parameters: you must choose at least one stream');
  const since = q.get('since');
  const until = q.get('until');
  const o = {
    follow: bool(q, 'follow'),
    tail: parseTail(q.get('tail') ?? undefined),
    since: since && since !== '0' ? parseTimestamp(since) : -Infinity,
    until: until && until !== '0' ? parseTimestamp(until) : Infinity,
  };
  const out = res(r);
  const ac = new AbortController();
  out.on('close', () => ac.abort());
  const multiplexed = !c.config.Tty;
  out.writeHead(200, { 'Content-Type': multiplexed ? MULTIPLEXED : RAW });
  out.flushHeaders();
  const timestamps = bool(q, 'timestamps');
  try {
    await readLogs(svc, c, { ...o, signal: ac.signal }, (recs) => {
      for (const rec of recs) {
        if ((rec.stream === 'stdout' && !stdout) || (rec.stream === 'stderr' && !stderr)) continue;
        const text = Buffer.from(timestamps ? `${rec.time} ${rec.text}` : rec.text);
        out.write(multiplexed ? frame(rec.stream === 'stderr' ? 2 : 1, text) : text);
      }
    });
  } finally {
    out.end();
  }
}

async function changes(r: ApiRequest): Promise<void> {
  json(r, 200, await filesOf(r).changes(r.params.id));
}

async function exportFs(r: ApiRequest): Promise<void> {
  const out = res(r);
  await filesOf(r).export(r.params.id, async (tar) => {
    out.writeHead(200, { 'Content-Type': 'application/x-tar' });
    await pipeline(tar, out);
  });
}

async function stats(r: ApiRequest): Promise<void> {
  const stream = bool(r.query, 'stream', true);
  const oneShot = bool(r.query, 'one-shot');
  if (oneShot && stream) throw invalid('cannot have stream=true and one-shot=true');
  const out = res(r);
  const closed = new Promise<void>((ok) => out.on('close', ok));
  const samples = containerStats(svcOf(r), r.params.id, { stream, oneShot }, closed);
  // the first sample before any answer: a container that is not there is a 404
  const first = await samples.next();
  if (first.done) return void out.end(); // the client went away
  if (!stream) return json(r, 200, first.value);
  const lines = jsonStream(r);
  lines.send(first.value);
  for await (const s of samples) lines.send(s);
  lines.end();
}

async function resize(r: ApiRequest): Promise<void> {
  const svc = svcOf(r);
  const c = await svc.get(r.params.id);
  const h = int(r.query, 'h') ?? 0;
  const w = int(r.query, 'w') ?? 0;
  if (!c.state.Running) throw conflict(`cannot resize a stopped container: ${c.id}`);
  if (c.config.Tty) resizeTty(svc, c, h, w);
  res(r).writeHead(200).end();
}

async function start(r: ApiRequest): Promise<void> {
  const svc = svcOf(r);
  const c = await svc.get(r.params.id);
  if (c.state.Running) return noContent(r, 304);
  try {
    await svc.start(c.id, { beforeStart: connectWaiting });
  } catch (e) {
    // A container that never started is not left behind by --rm (docker's daemon does the same).
    if (c.hostConfig.AutoRemove) await svc.remove(c.id, { force: true }).catch(() => undefined);
    throw e;
  }
  noContent(r);
}

async function stop(r: ApiRequest): Promise<void> {
  const svc = svcOf(r);
  const c = await svc.get(r.params.id);
  if (!c.state.Running) return noContent(r, 304);
  await svc.stop(c.id, int(r.query, 't'), r.query.get('signal') || undefined);
  noContent(r);
}

async function restart(r: ApiRequest): Promise<void> {
  await svcOf(r).restart(r.params.id, int(r.query, 't'), r.query.get('signal') || undefined);
  noContent(r);
}

async function kill(r: ApiRequest): Promise<void> {
  const signal = r.query.get('signal') || 'SIGKILL';
  if (!/^(SIG)?[A-Z0-9+-]+$|^\d+$/.test(signal)) throw invalid(`invalid signal: ${signal}`);
  await svcOf(r).kill(r.params.id, signal);
  noContent(r);
}

async function update(r: ApiRequest): Promise<void> {
  const body = await readJson(r.req);
  const u: Parameters<ContainerService['update']>[1] = {};
  for (const k of ['Memory', 'MemorySwap', 'NanoCpus', 'CpuShares', 'PidsLimit'] as const) {
    const v = body[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number') throw invalid(`invalid ${k}: expected a number`);
    if (v !== 0 || k === 'PidsLimit') u[k] = v;
  }
  if (typeof body.CpusetCpus === 'string' && body.CpusetCpus) u.CpusetCpus = body.CpusetCpus;
  const rp = body.RestartPolicy as HostConfig['RestartPolicy'] | undefined;
  if (rp && typeof rp === 'object' && rp.Name) {
    if (!['no', 'always', 'unless-stopped', 'on-failure'].includes(rp.Name)) throw invalid(`invalid restart policy "${rp.Name}"`);
    u.RestartPolicy = { Name: rp.Name, MaximumRetryCount: rp.MaximumRetryCount ?? 0 };
  }
  await svcOf(r).update(r.params.id, u);
  json(r, 200, { Warnings: [] });
}

async function rename(r: ApiRequest): Promise<void> {
  const name = r.query.get('name');
  if (!name) throw invalid('name is required');
  await svcOf(r).rename(r.params.id, name);
  noContent(r);
}

async function attachRoute(r: ApiRequest): Promise<void> {
  const svc = svcOf(r);
  const c = await svc.get(r.params.id);
  const q = r.query;
  const conn = hijack(r, !c.config.Tty);
  await attach(svc, c, conn, { stdin: bool(q, 'stdin'), stdout: bool(q, 'stdout'), stderr: bool(q, 'stderr'), logs: bool(q, 'logs'), stream: bool(q, 'stream'), detachKeys: q.get('detachKeys') ?? undefined });
}

/** POST /containers/{id}/wait: the headers go at once (clients wait for them before they start the container). */
async function wait(r: ApiRequest): Promise<void> {
  const svc = svcOf(r);
  const condition = r.query.get('condition') || 'not-running';
  if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw invalid(`invalid condition: "${condition}"`);
  const first = await svc.get(r.params.id);
  const out = res(r);
  out.writeHead(200, { 'Content-Type': 'application/json' });
  out.flushHeaders();
  let closed = false;
  out.on('close', () => (closed = true));
  let ran = first.state.Running;
  let last = first;
  let cleaning = false;
  let cleanup: Promise<void> | undefined;
  const t0 = Date.now();
  const done = (code: number): void => void out.end(JSON.stringify({ StatusCode: code, Error: null }) + '\n');
  while (!closed) {
    const now = svc.store.get(first.id);
    if (!now) return done(svc.exitCodeOf(first.id) ?? last.state.ExitCode);
    last = await svc.reconcile(now);
    const running = last.state.Running || last.state.Restarting;
    if (running || last.state.StartedAt !== first.state.StartedAt) ran = true;
    if (!running) {
      if (condition === 'not-running') return done(last.state.ExitCode);
      if (condition === 'next-exit' && ran) return done(last.state.ExitCode);
      // An --rm container is removed by its monitor's exit command, a new berth process (a
      // node start away): the service does the same cleanup at once. It is idempotent and
      // under the container's lock, so whichever comes second finds the container gone.
      if (ran && last.hostConfig.AutoRemove && !cleaning) {
        cleaning = true;
        cleanup = svc.cleanup(first.id, last.state.RunId).catch(() => undefined).then(() => void (cleanup = undefined));
      }
    }
    // A running container's exit is news at once (the exit file's inotify event; 50 ms at worst),
    // and so is the end of the service's own cleanup; otherwise poll, briskly at first.
    const pause = running && svc.exitCodeOf(first.id) === undefined ? svc.exitFileChange(first.id, 50) : sleep(Date.now() - t0 < 3000 ? 10 : 100);
    await Promise.race([pause, ...(cleanup ? [cleanup] : [])]);
  }
}

async function remove(r: ApiRequest): Promise<void> {
  await svcOf(r).remove(r.params.id, { force: bool(r.query, 'force'), volumes: bool(r.query, 'v') });
  noContent(r);
}

async function prune(r: ApiRequest): Promise<void> {
  const removed = await svcOf(r).prune(pruneFilters(filters(r.query)));
  json(r, 200, { ContainersDeleted: removed, SpaceReclaimed: 0 });
}

// ---------------------------------------------------------------- archive

/** Go's os.FileMode bits, as docker's X-Docker-Container-Path-Stat carries them. */
function goMode(st: import('node:fs').Stats): number {
  let m = st.mode & 0o777;
  if (st.isDirectory()) m |= 2 ** 31;
  if (st.isSymbolicLink()) m |= 2 ** 27;
  if (st.isFIFO()) m |= 2 ** 25;
  if (st.isSocket()) m |= 2 ** 24;
  if (st.isCharacterDevice()) m |= 2 ** 26 + 2 ** 21;
  if (st.isBlockDevice()) m |= 2 ** 26;
  if (st.mode & 0o4000) m |= 2 ** 23;
  if (st.mode & 0o2000) m |= 2 ** 22;
  if (st.mode & 0o1000) m |= 2 ** 20;
  return m >>> 0;
}

async function pathStat(r: ApiRequest, path: string, followFinal = false): Promise<{ name: string; size: number; mode: number; mtime: string; linkTarget: string; isDir: boolean }> {
  const svc = svcOf(r);
  const c = await svc.get(r.params.id);
  return filesOf(r).withRootfs(c, async (rootfs) => {
    const abs = resolveInRoot(rootfs, path, followFinal);
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) throw notFound(`Could not find the file ${path} in container ${r.params.id}`);
    let linkTarget = '';
    if (st.isSymbolicLink()) linkTarget = readlinkSync(abs);
    return { name: posix.basename(posix.normalize('/' + path)) || '/', size: st.size, mode: goMode(st), mtime: st.mtime.toISOString(), linkTarget, isDir: st.isDirectory() };
  });
}

function statHeader(s: Awaited<ReturnType<typeof pathStat>>): string {
  const { isDir: _d, ...rest } = s;
  return Buffer.from(JSON.stringify(rest)).toString('base64');
}

function archivePath(r: ApiRequest): string {
  const p = r.query.get('path');
  if (!p) throw invalid('path is required');
  return p;
}

async function archiveHead(r: ApiRequest): Promise<void> {
  const s = await pathStat(r, archivePath(r));
  res(r).writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader(s), 'Content-Type': 'application/x-tar' }).end();
}

async function archiveGet(r: ApiRequest): Promise<void> {
  const path = archivePath(r);
  const s = await pathStat(r, path);
  const out = res(r);
  await filesOf(r).copyFrom(r.params.id, path, { followLink: path.endsWith('/') || path.endsWith('/.') }, async (tar) => {
    out.writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader(s), 'Content-Type': 'application/x-tar' });
    await pipeline(tar, out);
  });
}

async function archivePut(r: ApiRequest): Promise<void> {
  const path = archivePath(r);
  const s = await pathStat(r, path, true);
  if (!s.isDir) throw invalid(`extraction point is not a directory: ${path}`);
  await filesOf(r).copyTo(r.params.id, path, { tar: r.req, name: '.', isDir: true }, { owners: bool(r.query, 'copyUIDGID'), contentsOnly: false });
  res(r).writeHead(200).end();
}

export function containerRoutes(router: Router): void {
  router
    .get('/containers/json', list)
    .post('/containers/create', create)
    .post('/containers/prune', prune)
    .get('/containers/{id}/json', inspect)
    .get('/containers/{id}/top', top)
    .get('/containers/{id}/logs', logs)
    .get('/containers/{id}/changes', changes)
    .get('/containers/{id}/export', exportFs)
    .get('/containers/{id}/stats', stats)
    .post('/containers/{id}/resize', resize)
    .post('/containers/{id}/start', start)
    .post('/containers/{id}/stop', stop)
    .post('/containers/{id}/restart', restart)
    .post('/containers/{id}/kill', kill)
    .post('/containers/{id}/update', update)
    .post('/containers/{id}/rename', rename)
    .post('/containers/{id}/pause', async (r) => {
      await svcOf(r).pause(r.params.id);
      noContent(r);
    })
    .post('/containers/{id}/unpause', async (r) => {
      await svcOf(r).unpause(r.params.id);
      noContent(r);
    })
    .post('/containers/{id}/attach', attachRoute)
    .get('/containers/{id}/attach/ws', attachWebsocket)
    .post('/containers/{id}/wait', wait)
    .delete('/containers/{id}', remove)
    .head('/containers/{id}/archive', archiveHead)
    .get('/containers/{id}/archive', archiveGet)
    .put('/containers/{id}/archive', archivePut);
}
