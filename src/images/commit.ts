// A new image from a base image and one more layer (commit; build will use it too). The
// layer tar is stored uncompressed (its digest is its diff_id) and unpacked into a snapshot
// like any other, so the new image is a first-class citizen of the store.
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EngineContext } from '../engine/context.js';
import { sha256 } from './content-store.js';
import { MediaType, type ContainerConfig, type ImageConfig, type Manifest } from './manifest.js';
import { storeLocalImage } from './local-store.js';

export interface CommitInput {
  base: ImageConfig;
  config: ContainerConfig;
  layer: Readable;
  createdBy: string;
  comment?: string;
  author?: string;
  tag?: string;
  parent: string;
}

export async function commitLayer(ctx: EngineContext, input: CommitInput): Promise<string> {
  const dir = join(ctx.storageTmp, `${process.pid}-commit-${Date.now()}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    const file = join(dir, 'layer.tar');
    const hash = createHash('sha256');
    await pipeline(input.layer, new Transform({ transform(c: Buffer, _e, cb) { hash.update(c); cb(null, c); } }), createWriteStream(file));
    const diffId = 'sha256:' + hash.digest('hex');
    const size = statSync(file).size;
    const now = new Date().toISOString();
    const manifestLayers = await (async () => {
      const baseManifest = ctx.images.get(input.parent);
      const m = baseManifest ? ctx.content.readJson<Manifest>(baseManifest.manifest_digest) : undefined;
      return m?.layers ?? [];
    })();
    const config: ImageConfig = {
      ...input.base,
      created: now,
      ...(input.author ? { author: input.author } : {}),
      config: input.config,
      rootfs: { type: 'layers', diff_ids: [...(input.base.rootfs?.diff_ids ?? []), diffId] },
      history: [...(input.base.history ?? []), { created: now, created_by: input.createdBy, ...(input.author ? { author: input.author } : {}), ...(input.comment ? { comment: input.comment } : {}) }],
    };
    if (input.comment) config.comment = input.comment;
    const configBody = Buffer.from(JSON.stringify(config));
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: sha256(configBody), size: configBody.length },
      layers: [...manifestLayers, { mediaType: MediaType.OciLayer, digest: diffId, size }],
    };
    const res = await storeLocalImage(ctx, {
      manifestBody: Buffer.from(JSON.stringify(manifest)),
      manifestMediaType: MediaType.OciManifest,
      configBody,
      layerPath: (d) => (d.digest === diffId ? file : ctx.content.path(d.digest)),
      tags: input.tag ? [input.tag] : [],
      label: input.tag ?? 'committed image',
    });
    ctx.db.prepare('UPDATE images SET parent = ? WHERE id = ?').run(input.parent, res.id);
    ctx.events.emit('image', 'commit', res.id, {});
    return res.id;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
