// A new image made of a base and one more layer: commit (base = the container's image),
// import (no base), and build later. The layer tar is stored uncompressed (its digest is its
// diff_id) and unpacked into a snapshot like any other layer.
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EngineContext } from '../engine/context.js';
import { sha256 } from './content-store.js';
import { MediaType, type ContainerConfig, type ImageConfig, type Manifest } from './manifest.js';
import { storeLocalImage } from './local-store.js';

export interface NewLayerImage {
  /** the base image's config (for a new image: os, architecture, empty rootfs) */
  base: ImageConfig;
  /** the base image's id, when there is one */
  parent?: string;
  config: ContainerConfig;
  /** the layer as an uncompressed tar stream */
  layer: Readable;
  createdBy: string;
  /** the image's comment (docker's -m) */
  comment?: string;
  /** the new history entry's comment, when it differs from `comment` */
  historyComment?: string;
  author?: string;
  tag?: string;
  /** the event to record: commit, import */
  action: string;
}

export async function storeNewLayerImage(ctx: EngineContext, input: NewLayerImage): Promise<string> {
  const dir = join(ctx.storageTmp, `${process.pid}-${input.action}-${Date.now()}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    const file = join(dir, 'layer.tar');
    const hash = createHash('sha256');
    await pipeline(input.layer, new Transform({ transform(c: Buffer, _e, cb) { hash.update(c); cb(null, c); } }), createWriteStream(file));
    const diffId = 'sha256:' + hash.digest('hex');
    const size = statSync(file).size;
    const now = new Date().toISOString();
    const parent = input.parent ? ctx.images.get(input.parent) : undefined;
    const baseLayers = parent ? ctx.content.readJson<Manifest>(parent.manifest_digest).layers : [];
    const historyComment = input.historyComment ?? input.comment;
    const config: ImageConfig = {
      ...input.base,
      created: now,
      ...(input.author ? { author: input.author } : {}),
      ...(input.comment ? { comment: input.comment } : {}),
      config: input.config,
      rootfs: { type: 'layers', diff_ids: [...(input.base.rootfs?.diff_ids ?? []), diffId] },
      history: [...(input.base.history ?? []), { created: now, created_by: input.createdBy, ...(input.author ? { author: input.author } : {}), ...(historyComment ? { comment: historyComment } : {}) }],
    };
    const configBody = Buffer.from(JSON.stringify(config));
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: sha256(configBody), size: configBody.length },
      layers: [...baseLayers, { mediaType: MediaType.OciLayer, digest: diffId, size }],
    };
    const res = await storeLocalImage(ctx, {
      manifestBody: Buffer.from(JSON.stringify(manifest)),
      manifestMediaType: MediaType.OciManifest,
      configBody,
      layerPath: (d) => (d.digest === diffId ? file : ctx.content.path(d.digest)),
      tags: input.tag ? [input.tag] : [],
      label: input.tag ?? `the new image (${input.action})`,
    });
    if (input.parent) ctx.db.prepare('UPDATE images SET parent = ? WHERE id = ?').run(input.parent, res.id);
    ctx.events.emit('image', input.action, res.id, {});
    return res.id;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
