// Storing an image whose blobs come from local files (load, import) rather than a registry:
// the same guarantees as pull, every blob checked against its digest, every layer against
// its diff_id, the image recorded last.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { corrupt } from '../errors.js';
import type { EngineContext } from '../engine/context.js';
import { Lease } from '../storage/gc.js';
import { chainIds } from '../storage/snapshots.js';
import { writeTx } from '../state/db.js';
import { sha256, type Descriptor } from './content-store.js';
import { ingestAndUnpack } from './layer-fetch.js';
import type { ImageConfig, Manifest } from './manifest.js';
import { formatReference, parseReference, repositoryName } from './reference.js';

export interface LocalImage {
  manifestBody: Buffer;
  manifestMediaType: string;
  configBody: Buffer;
  /** where each layer's blob can be read (in manifest order) */
  layerSource: (desc: Descriptor) => Readable;
  tags: string[];
  label: string;
}

export function fileSource(path: string): Readable {
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

export async function storeLocalImage(ctx: EngineContext, img: LocalImage): Promise<{ id: string; tags: string[] }> {
  const manifest = JSON.parse(img.manifestBody.toString('utf8')) as Manifest;
  const manifestDigest = sha256(img.manifestBody);
  const id = sha256(img.configBody);
  if (id !== manifest.config.digest) throw corrupt(`${img.label}: config digest mismatch: manifest says ${manifest.config.digest}, content hashes to ${id}`);
  const config = JSON.parse(img.configBody.toString('utf8')) as ImageConfig;
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) throw corrupt(`${img.label}: config lists ${diffIds.length} layers, manifest ${manifest.layers.length}`);
  const chains = chainIds(diffIds);
  const lease = Lease.take(ctx.db, [
    ['blob', id],
    ['blob', manifestDigest],
    ...manifest.layers.map((l): ['blob', string] => ['blob', l.digest]),
    ...chains.map((c): ['snapshot', string] => ['snapshot', c]),
  ]);
  try {
    let size = 0;
    for (let i = 0; i < manifest.layers.length; i++) {
      const desc = manifest.layers[i];
      const snap = ctx.snapshots.get(chains[i]);
      if (snap && ctx.snapshots.has(chains[i]) && ctx.content.has(desc.digest)) {
        size += snap.size;
        continue;
      }
      const inStore = ctx.content.has(desc.digest);
      await ingestAndUnpack(inStore ? ctx.content.stream(desc.digest) : img.layerSource(desc), { desc, diffId: diffIds[i], chainId: chains[i], parent: i ? chains[i - 1] : null }, ctx.content, ctx.snapshots, {
        storeBlob: !inStore,
        maxSize: ctx.config.maxLayerSize,
        chown: ctx.canChown,
        image: img.label,
      });
      size += ctx.snapshots.get(chains[i])?.size ?? 0;
    }
    if (!ctx.content.has(id)) ctx.content.put(img.configBody, id);
    if (!ctx.content.has(manifestDigest)) ctx.content.put(img.manifestBody, manifestDigest);
    const names = img.tags.map((t) => formatReference(parseReference(t)));
    writeTx(ctx.db, () => {
      ctx.images.insert({ id, manifest_digest: manifestDigest, manifest_media_type: img.manifestMediaType, config: img.configBody.toString('utf8'), size, created: config.created ?? null, chain_id: chains.at(-1) ?? null, parent: null, added: Date.now() });
      for (const n of names) ctx.images.setTag(n, id);
      ctx.images.syncLayoutIndex(ctx.content);
    });
    return { id, tags: names };
  } finally {
    lease.release();
  }
}

export { repositoryName };
