// Pull: resolve the reference (tag or digest; index -> platform manifest), verify every
// byte against its digest, fetch and unpack the missing layers concurrently, then record
// the image in one transaction. A pull killed at any point leaves no image behind: blobs
// and snapshots only appear once verified, and the image row is written last.
import { BerthError, corrupt, invalid } from '../errors.js';
import type { EngineContext } from '../engine/context.js';
import { Lease, collectGarbage, sweepTemporaries } from '../storage/gc.js';
import { writeTx } from '../state/db.js';
import { chainIds } from '../storage/snapshots.js';
import { sha256, type Descriptor } from './content-store.js';
import { familiarReference, formatReference, parseReference, repositoryName, type Reference } from './reference.js';
import { hostPlatform, parseManifestBody, selectManifest, type ImageConfig, type Manifest, type Platform } from './manifest.js';
import type { LayerTarget } from './layer-fetch.js';
import { LayerUnpacker } from './unpacker.js';
import { shortDigest, type ProgressSink } from './progress.js';
import type { RepositoryClient } from './registry/client.js';
import { listTags, readBody } from './registry/client.js';

export interface PullOptions {
  platform?: Platform;
  onProgress: ProgressSink;
}

export interface PullResult {
  id: string;
  reference: string;
  digest: string;
  /** false when the image was already present and up to date */
  downloaded: boolean;
}

async function fetchSmallBlob(client: RepositoryClient, desc: Descriptor, what: string): Promise<Buffer> {
  if (desc.size > 8 << 20) throw invalid(`${what}: ${desc.digest} is too large (${desc.size} bytes)`);
  const res = await client.request(`/v2/${client.repo}/blobs/${desc.digest}`);
  if (res.status !== 200) return client.failure(res, `${what} ${desc.digest}`);
  const body = await readBody(res.body, desc.size + 1);
  if (body.length !== desc.size || sha256(body) !== desc.digest) throw corrupt(`${what} ${desc.digest}: digest mismatch`);
  return body;
}

async function limit<T>(n: number, items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

export async function pullImage(ctx: EngineContext, input: string | Reference, opts: PullOptions): Promise<PullResult> {
  const ref = typeof input === 'string' ? parseReference(input) : input;
  const name = familiarReference(ref);
  const progress = opts.onProgress;
  const client = await ctx.repository(ref);
  sweepTemporaries(ctx.content, ctx.snapshots);
  const want = opts.platform ?? hostPlatform();

  progress({ status: `Pulling from ${ref.path}`, id: ref.digest ?? ref.tag });

  // 1. The manifest (or index) the reference names, checked against the digest asked for.
  const top = await client.getManifest(ref.digest ?? ref.tag!);
  const topDigest = sha256(top.body);
  if (ref.digest && topDigest !== ref.digest) throw corrupt(`${name}: manifest digest mismatch: registry sent ${topDigest}`);
  if (top.digest && top.digest !== topDigest) throw corrupt(`${name}: manifest digest mismatch: registry says ${top.digest}, content hashes to ${topDigest}`);
  const parsedTop = parseManifestBody(top.body, top.mediaType, name);

  let manifestBody = top.body;
  let manifestDigest = topDigest;
  let manifestType = parsedTop.mediaType;
  let manifest = parsedTop.manifest;
  if (parsedTop.index) {
    const desc = selectManifest(parsedTop.index, want, name);
    const m = await client.getManifest(desc.digest);
    if (sha256(m.body) !== desc.digest) throw corrupt(`${name}: manifest ${desc.digest} digest mismatch`);
    const parsed = parseManifestBody(m.body, m.mediaType ?? desc.mediaType, name);
    if (!parsed.manifest) throw invalid(`${name}: index entry ${desc.digest} is not an image manifest`);
    manifestBody = m.body;
    manifestDigest = desc.digest;
    manifestType = parsed.mediaType;
    manifest = parsed.manifest;
  }
  if (!manifest) throw invalid(`${name}: not an image`);
  if (manifest.config.mediaType && !/container\.image\.v1\+json|image\.config\.v1\+json/.test(manifest.config.mediaType)) {
    throw invalid(`${name}: not a container image (config media type ${manifest.config.mediaType})`);
  }
  const imageId = manifest.config.digest;
  const repo = repositoryName(ref);
  const canonical = formatReference(ref);

  // 2. Already here and complete? Then only (re)point the tag.
  const existing = ctx.images.get(imageId);
  if (existing && existing.manifest_digest === manifestDigest) {
    const cfg = JSON.parse(existing.config) as ImageConfig;
    const chains = chainIds(cfg.rootfs.diff_ids);
    if (chains.every((c) => ctx.snapshots.has(c))) {
      const changed = recordImage(ctx, { imageId, ref, repo, topDigest, manifestDigest, manifestType, config: existing.config, size: existing.size, created: cfg.created ?? null, chainId: chains.at(-1) ?? null });
      return { id: imageId, reference: canonical, digest: topDigest, downloaded: changed };
    }
  }

  // 3. The config, then every layer not already unpacked, concurrently, under a lease.
  const configBody = ctx.content.has(imageId) ? ctx.content.read(imageId) : await fetchSmallBlob(client, manifest.config, `${name}: config`);
  const config = JSON.parse(configBody.toString('utf8')) as ImageConfig;
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) throw corrupt(`${name}: config lists ${diffIds.length} layers, manifest ${manifest.layers.length}`);
  if (config.os && want.os !== config.os && !ref.digest) {
    /* docker warns on a platform mismatch; the index selection already decided */
  }
  const chains = chainIds(diffIds);
  const lease = Lease.take(ctx.db, [
    ['blob', imageId],
    ['blob', manifestDigest],
    ['blob', topDigest],
    ...manifest.layers.map((l): ['blob', string] => ['blob', l.digest]),
    ...chains.map((c): ['snapshot', string] => ['snapshot', c]),
  ]);
  try {
    if (!ctx.content.has(imageId)) ctx.content.put(configBody, imageId);
    const targets: LayerTarget[] = manifest.layers.map((desc, i) => ({ desc, diffId: diffIds[i], chainId: chains[i], parent: i ? chains[i - 1] : null }));
    for (const t of targets) progress({ status: 'Pulling fs layer', id: shortDigest(t.desc.digest) });
    const present = (t: LayerTarget) => ctx.snapshots.has(t.chainId) && ctx.content.has(t.desc.digest);
    const missing = targets.filter((t) => !present(t));
    const missingBytes = missing.reduce((n, t) => n + t.desc.size, 0);
    const unpacker = new LayerUnpacker(ctx, missing.length > 1 && missingBytes > 16 << 20 ? Math.min(missing.length, ctx.config.pullConcurrency) : 1);
    const registry = { kind: 'registry' as const, client: client.state() };
    let size = 0;
    try {
      await limit(ctx.config.pullConcurrency, targets, async (t) => {
        const id = shortDigest(t.desc.digest);
        if (present(t)) {
          size += ctx.snapshots.get(t.chainId)?.size ?? 0;
          progress({ status: 'Already exists', id });
          return;
        }
        let current = 0;
        progress({ status: 'Downloading', id, progressDetail: { current: 0, total: t.desc.size } });
        const onBytes = (n: number) => {
          current += n;
          progress({ status: 'Downloading', id, progressDetail: { current, total: t.desc.size } });
        };
        size += await unpacker.unpack(t, ctx.content.has(t.desc.digest) ? { kind: 'store' } : registry, name, onBytes).catch((e: unknown) => {
          throw nameLayerError(e, name, t.desc.digest);
        });
        progress({ status: 'Pull complete', id });
      });
    } finally {
      await unpacker.close();
    }
    if (!ctx.content.has(manifestDigest)) ctx.content.put(manifestBody, manifestDigest);
    if (!ctx.content.has(topDigest)) ctx.content.put(top.body, topDigest);
    recordImage(ctx, { imageId, ref, repo, topDigest, manifestDigest, manifestType, config: configBody.toString('utf8'), size, created: config.created ?? null, chainId: chains.at(-1) ?? null });
  } catch (e) {
    // Leave the store as it was: what this pull added and nothing else references goes.
    lease.release();
    collectGarbage(ctx.db, ctx.content, ctx.snapshots, ctx.storageTmp);
    throw e;
  }
  lease.release();
  return { id: imageId, reference: canonical, digest: topDigest, downloaded: true };
}

/**
 * A pull as dockerd reports it (POST /images/create, and `pull` on the command line): the
 * progress, then `Digest: ...` for each manifest and one `Status: ...` line. A reference with
 * neither tag nor digest pulls every tag of the repository.
 */
export async function pullReported(ctx: EngineContext, ref: Reference, opts: PullOptions): Promise<void> {
  const report = opts.onProgress;
  const tags = ref.tag || ref.digest ? [undefined] : await listTags(await ctx.repository(ref));
  let downloaded = false;
  for (const tag of tags) {
    const r = await pullImage(ctx, tag ? { ...ref, tag } : ref, opts);
    report({ status: `Digest: ${r.digest}` });
    downloaded ||= r.downloaded;
  }
  const name = familiarReference(ref);
  report({ status: downloaded ? `Status: Downloaded newer image for ${name}` : `Status: Image is up to date for ${name}` });
}

/** Every layer failure names the image and the layer. */
function nameLayerError(e: unknown, image: string, digest: string): BerthError {
  const msg = (e as Error)?.message ?? String(e);
  const kind = e instanceof BerthError ? e.kind : 'unavailable';
  const withLayer = msg.includes(digest) ? msg : `layer ${digest}: ${msg}`;
  return new BerthError(kind, withLayer.includes(image) ? withLayer : `${image}: ${withLayer}`, { cause: e });
}

interface RecordInput {
  imageId: string;
  ref: Reference;
  repo: string;
  topDigest: string;
  manifestDigest: string;
  manifestType: string;
  config: string;
  size: number;
  created: string | null;
  chainId: string | null;
}

/** Write the image, its tag and repo digest in one transaction. Returns true if anything changed. */
export function recordImage(ctx: EngineContext, r: RecordInput): boolean {
  // Up to date (the common re-pull): nothing to write, so no write transaction at all.
  const tagName = r.ref.tag ? `${r.repo}:${r.ref.tag}` : undefined;
  if (ctx.images.get(r.imageId)?.manifest_digest === r.manifestDigest && (!tagName || ctx.images.findByTag(tagName)?.id === r.imageId) && ctx.images.findByDigest(r.repo, r.topDigest)?.id === r.imageId) {
    return false;
  }
  let changed = false;
  writeTx(ctx.db, () => {
    const had = ctx.images.get(r.imageId);
    ctx.images.insert({ id: r.imageId, manifest_digest: r.manifestDigest, manifest_media_type: r.manifestType, config: r.config, size: r.size, created: r.created, chain_id: r.chainId, parent: null, added: Date.now() });
    if (!had) changed = true;
    if (r.ref.tag) {
      const name = `${r.repo}:${r.ref.tag}`;
      const current = ctx.images.findByTag(name);
      if (current?.id !== r.imageId) {
        ctx.images.setTag(name, r.imageId);
        changed = true;
      }
    }
    ctx.images.addDigest(r.repo, r.topDigest, r.imageId);
    if (changed) ctx.events.emit('image', 'pull', formatReference(r.ref), { name: formatReference(r.ref) });
    ctx.images.syncLayoutIndex(ctx.content);
  });
  return changed;
}

export type { Manifest };
