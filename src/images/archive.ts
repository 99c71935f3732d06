// save and load: image archives in the two formats users exchange.
//  - docker-archive, written as docker 25+ writes it: an OCI layout (oci-layout, index.json,
//    blobs/) that also carries docker's manifest.json, with uncompressed layers, so both
//    `docker load`/`skopeo docker-archive:` and `skopeo oci-archive:` read the same tar;
//  - oci-archive: the stored blobs exactly as pulled (digests preserved).
// load takes either, and older docker archives (<layer-id>/layer.tar, <id>.json).
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, openSync, closeSync, writeSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { corrupt, invalid, notFound } from '../errors.js';
import type { EngineContext } from '../engine/context.js';
import { safeComponents } from '../storage/layer-apply.js';
import { chainIds } from '../storage/snapshots.js';
import { sha256, type Descriptor } from './content-store.js';
import { decompressor, sniffCompression } from './layer-fetch.js';
import { MediaType, hostPlatform, isIndex, layerCompression, parseManifestBody, selectManifest, type Compression, type ImageConfig, type Index, type Manifest } from './manifest.js';
import { familiarName, formatReference, looksLikeImageId, parseReference, splitTagged } from './reference.js';
import { storeLocalImage } from './local-store.js';

export type ArchiveFormat = 'docker-archive' | 'oci-archive';

interface Selected {
  id: string;
  manifestDigest: string;
  tags: string[];
}

function select(ctx: EngineContext, names: string[]): Selected[] {
  const byId = new Map<string, Selected>();
  for (const n of names) {
    const r = ctx.images.resolve(n);
    const sel = byId.get(r.image.id) ?? { id: r.image.id, manifestDigest: r.image.manifest_digest, tags: [] };
    if (r.kind === 'tag') sel.tags.push(r.name);
    else if (r.kind === 'id' && !looksLikeImageId(n)) sel.tags.push(...ctx.images.tagsOf(r.image.id));
    byId.set(r.image.id, sel);
  }
  return [...byId.values()];
}

function packEntry(pack: tar.Pack, name: string, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => pack.entry({ name, mode: 0o644, mtime: new Date(0) }, data, (e) => (e ? reject(e) : resolve())));
}

async function packStream(pack: tar.Pack, name: string, size: number, src: Readable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const entry = pack.entry({ name, size, mode: 0o644, mtime: new Date(0) }, (e) => (e ? reject(e) : resolve()));
    src.on('error', reject);
    src.pipe(entry as unknown as NodeJS.WritableStream);
  });
}

/** Write one tar holding every named image. */
export async function saveImages(ctx: EngineContext, names: string[], format: ArchiveFormat, out: Writable): Promise<void> {
  const images = select(ctx, names);
  const pack = tar.pack();
  const done = pipeline(pack as unknown as Readable, out);
  const written = new Set<string>();
  const blob = async (digest: string, data: Buffer | (() => Promise<[number, Readable]>)) => {
    if (written.has(digest)) return;
    written.add(digest);
    const name = `blobs/sha256/${digest.slice(7)}`;
    if (Buffer.isBuffer(data)) await packEntry(pack, name, data);
    else {
      const [size, src] = await data();
      await packStream(pack, name, size, src);
    }
  };
  const index: Descriptor[] = [];
  const dockerManifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
  await packEntry(pack, 'oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  for (const img of images) {
    const manifestBody = ctx.content.read(img.manifestDigest);
    const manifest = JSON.parse(manifestBody.toString('utf8')) as Manifest;
    const configBody = ctx.content.read(img.id);
    const config = JSON.parse(configBody.toString('utf8')) as ImageConfig;
    const chains = chainIds(config.rootfs.diff_ids);
    let outManifest: Buffer;
    let outType: string;
    if (format === 'oci-archive') {
      for (const l of manifest.layers) await blob(l.digest, async () => [ctx.content.size(l.digest), ctx.content.stream(l.digest)]);
      outManifest = manifestBody;
      outType = ctx.images.get(img.id)!.manifest_media_type;
    } else {
      const layers: Descriptor[] = [];
      for (let i = 0; i < manifest.layers.length; i++) {
        const l = manifest.layers[i];
        const diffId = config.rootfs.diff_ids[i];
        const size = ctx.snapshots.get(chains[i])?.size;
        if (size === undefined) throw notFound(`layer ${diffId} of ${img.id} is missing`);
        await blob(diffId, async () => {
          const dec = await decompressor(layerCompression(l.mediaType));
          const src = ctx.content.stream(l.digest);
          return [size, dec ? src.pipe(dec) : src];
        });
        layers.push({ mediaType: MediaType.OciLayer, digest: diffId, size });
      }
      const m: Manifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: img.id, size: configBody.length }, layers };
      outManifest = Buffer.from(JSON.stringify(m));
      outType = MediaType.OciManifest;
      dockerManifest.push({ Config: `blobs/sha256/${img.id.slice(7)}`, RepoTags: img.tags.map((t) => `${familiarName(splitTagged(t).repo)}:${splitTagged(t).tag}`), Layers: layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) });
    }
    await blob(img.id, configBody);
    const mdigest = sha256(outManifest);
    await blob(mdigest, outManifest);
    const base: Descriptor = { mediaType: outType, digest: mdigest, size: outManifest.length };
    if (!img.tags.length) index.push(base);
    for (const t of img.tags) index.push({ ...base, annotations: { 'io.containerd.image.name': t, 'org.opencontainers.image.ref.name': splitTagged(t).tag } });
  }
  await packEntry(pack, 'index.json', JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: index }));
  if (format === 'docker-archive') await packEntry(pack, 'manifest.json', JSON.stringify(dockerManifest));
  pack.finalize();
  await done;
}

/** Unpack the archive's files into dir, refusing anything but plain files and dirs at safe paths. */
async function extractArchive(input: Readable, dir: string): Promise<void> {
  const ex = tar.extract();
  input.pipe(ex as unknown as NodeJS.WritableStream);
  input.on('error', (e) => ex.destroy(e));
  let any = false;
  for await (const entry of ex) {
    const h = entry.header;
    any = true;
    const parts = safeComponents(h.name, 'archive');
    if (h.type === 'directory' || parts.length === 0) {
      if (parts.length) mkdirSync(join(dir, ...parts), { recursive: true });
      entry.resume();
      continue;
    }
    if (h.type === 'symlink' || h.type === 'link') {
      entry.resume();
      continue;
    }
    if (h.type !== 'file' && h.type !== 'contiguous-file') throw invalid(`archive: unexpected entry ${h.name} (${h.type})`);
    mkdirSync(join(dir, ...parts.slice(0, -1)), { recursive: true });
    const fd = openSync(join(dir, ...parts), 'wx', 0o600);
    try {
      for await (const c of entry as AsyncIterable<Buffer>) {
        let off = 0;
        while (off < c.length) off += writeSync(fd, c, off, c.length - off);
      }
    } finally {
      closeSync(fd);
    }
  }
  if (!any) throw invalid('archive is empty or not a tar file');
}

async function fileDigest(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return 'sha256:' + h.digest('hex');
}

const layerType: Record<Compression, string> = { gzip: MediaType.OciLayerGzip, zstd: MediaType.OciLayerZstd, none: MediaType.OciLayer };

export interface LoadedImage {
  id: string;
  tags: string[];
}

/** What docker prints about a load: "Loaded image: name:tag" for each tag, "Loaded image ID: id" for an untagged image. */
export function loadedLines(loaded: LoadedImage[]): string[] {
  const out: string[] = [];
  for (const img of loaded) {
    if (img.tags.length) for (const t of img.tags) out.push(`Loaded image: ${familiarName(splitTagged(t).repo)}:${splitTagged(t).tag}\n`);
    else out.push(`Loaded image ID: ${img.id}\n`);
  }
  return out;
}

export async function loadImages(ctx: EngineContext, input: Readable): Promise<LoadedImage[]> {
  const dir = join(ctx.storageTmp, `${process.pid}-load-${Date.now()}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    await extractArchive(input, dir);
    const loaded = existsSync(join(dir, 'index.json')) && existsSync(join(dir, 'blobs')) ? await loadOciLayout(ctx, dir) : existsSync(join(dir, 'manifest.json')) ? await loadDockerArchive(ctx, dir) : undefined;
    if (!loaded) throw invalid('archive holds neither manifest.json (docker-archive) nor index.json (OCI layout)');
    for (const l of loaded) ctx.events.emit('image', 'load', l.id, {});
    return loaded;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function blobPath(dir: string, digest: string): string {
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw invalid(`archive: invalid digest ${digest}`);
  const p = join(dir, 'blobs', 'sha256', digest.slice(7));
  if (!existsSync(p)) throw corrupt(`archive: blob ${digest} is missing`);
  return p;
}

function readBlob(dir: string, digest: string): Buffer {
  const body = readFileSync(blobPath(dir, digest));
  if (sha256(body) !== digest) throw corrupt(`archive: blob ${digest} does not match its digest`);
  return body;
}

function tagFromAnnotations(a: Record<string, string> | undefined): string | undefined {
  const full = a?.['io.containerd.image.name'];
  if (full) return full;
  const ref = a?.['org.opencontainers.image.ref.name'];
  if (ref && /[/:]/.test(ref)) return ref;
  return undefined;
}

async function loadOciLayout(ctx: EngineContext, dir: string): Promise<LoadedImage[]> {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Index;
  const out = new Map<string, LoadedImage>();
  for (const top of index.manifests ?? []) {
    let desc = top;
    if (isIndex(desc.mediaType)) {
      const inner = parseManifestBody(readBlob(dir, desc.digest), desc.mediaType, 'archive');
      desc = selectManifest(inner.index!, hostPlatform(), 'archive');
    }
    const body = readBlob(dir, desc.digest);
    const parsed = parseManifestBody(body, desc.mediaType, 'archive');
    if (!parsed.manifest) throw invalid(`archive: ${desc.digest} is not an image manifest`);
    const tag = tagFromAnnotations(top.annotations);
    const res = await storeLocalImage(ctx, {
      manifestBody: body,
      manifestMediaType: parsed.mediaType,
      configBody: readBlob(dir, parsed.manifest.config.digest),
      layerPath: (d) => blobPath(dir, d.digest),
      tags: tag ? [tag] : [],
      label: tag ?? desc.digest,
    });
    const prev = out.get(res.id);
    out.set(res.id, { id: res.id, tags: [...(prev?.tags ?? []), ...res.tags] });
  }
  return [...out.values()];
}

async function loadDockerArchive(ctx: EngineContext, dir: string): Promise<LoadedImage[]> {
  const entries = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>;
  if (!Array.isArray(entries)) throw invalid('archive: manifest.json is not a list');
  const out: LoadedImage[] = [];
  const inside = (p: string) => join(dir, ...safeComponents(p, 'archive'));
  for (const e of entries) {
    const configBody = readFileSync(inside(e.Config));
    const configDigest = sha256(configBody);
    const layers: Descriptor[] = [];
    const paths = new Map<string, string>();
    for (const lp of e.Layers) {
      const p = inside(lp);
      if (!existsSync(p)) throw corrupt(`archive: layer ${lp} is missing`);
      const digest = await fileDigest(p);
      layers.push({ mediaType: layerType[sniffCompression(p)], digest, size: statSync(p).size });
      paths.set(digest, p);
    }
    const manifest: Manifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: configDigest, size: configBody.length }, layers };
    const tags = (e.RepoTags ?? []).map((t) => formatReference(parseReference(t)));
    const res = await storeLocalImage(ctx, {
      manifestBody: Buffer.from(JSON.stringify(manifest)),
      manifestMediaType: MediaType.OciManifest,
      configBody,
      layerPath: (d) => paths.get(d.digest)!,
      tags,
      label: tags[0] ?? configDigest,
    });
    out.push(res);
  }
  return out;
}
