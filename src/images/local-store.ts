// Storing an image whose blobs come from local files (load, import) rather than a registry:
// the same guarantees as pull, every blob checked against its digest, every layer against
// its diff_id, the image recorded last.
import { corrupt } from '../errors.js';
import type { EngineContext } from '../engine/context.js';
import { Lease, collectGarbage } from '../storage/gc.js';
import { chainIds } from '../storage/snapshots.js';
import { writeTx } from '../state/db.js';
import { sha256, type Descriptor } from './content-store.js';
import type { LayerSource } from './layer-fetch.js';
import { LayerUnpacker } from './unpacker.js';
import type { ImageConfig, Manifest } from './manifest.js';
import { formatReference, parseReference } from './reference.js';

export interface LocalImage {
  manifestBody: Buffer;
  manifestMediaType: string;
  configBody: Buffer;
  /** the file holding a layer's blob */
  layerPath: (desc: Descriptor) => string;
  tags: string[];
  label: string;
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
  const unpacker = new LayerUnpacker(ctx, 1);
  try {
    let size = 0;
    for (let i = 0; i < manifest.layers.length; i++) {
      const desc = manifest.layers[i];
      const snap = ctx.snapshots.get(chains[i]);
      if (snap && ctx.snapshots.has(chains[i]) && ctx.content.has(desc.digest)) {
        size += snap.size;
        continue;
      }
      const source: LayerSource = ctx.content.has(desc.digest) ? { kind: 'store' } : { kind: 'file', path: img.layerPath(desc) };
      size += await unpacker.unpack({ desc, diffId: diffIds[i], chainId: chains[i], parent: i ? chains[i - 1] : null }, source, img.label);
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
  } catch (e) {
    lease.release();
    collectGarbage(ctx.db, ctx.content, ctx.snapshots, ctx.storageTmp);
    throw e;
  } finally {
    await unpacker.close();
    lease.release();
  }
}

