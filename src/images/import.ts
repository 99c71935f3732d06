// import: a root filesystem tarball (plain, gzip or zstd) becomes a one-layer image.
// The layer is stored uncompressed, so its digest is its diff_id.
import { createReadStream, createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EngineContext } from '../engine/context.js';
import { createHash } from 'node:crypto';
import { applyChange } from './changes.js';
import { decompressor, sniffCompression } from './layer-fetch.js';
import { MediaType, hostPlatform, type ContainerConfig, type ImageConfig, type Manifest } from './manifest.js';
import { storeLocalImage } from './local-store.js';
import { sha256 } from './content-store.js';

export interface ImportOptions {
  changes: string[];
  message?: string;
  tag?: string;
  /** shown in the history comment, as docker does: "Imported from -" */
  source: string;
  platform?: { os: string; architecture: string; variant?: string };
}

export async function importImage(ctx: EngineContext, input: Readable, opts: ImportOptions): Promise<string> {
  const cfg: ContainerConfig = {};
  for (const c of opts.changes) applyChange(cfg, c);
  const dir = join(ctx.storageTmp, `${process.pid}-import-${Date.now()}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    const raw = join(dir, 'raw');
    await pipeline(input, createWriteStream(raw));
    const layer = join(dir, 'layer.tar');
    const dec = await decompressor(sniffCompression(raw));
    const hash = createHash('sha256');
    const src = createReadStream(raw, { highWaterMark: 1 << 20 });
    const stages: NodeJS.ReadableStream[] = [src];
    if (dec) stages.push(dec);
    await pipeline([...stages, async function* (chunks: AsyncIterable<Buffer>) {
      for await (const c of chunks) {
        hash.update(c);
        yield c;
      }
    }, createWriteStream(layer)] as unknown as [Readable, NodeJS.WritableStream]);
    const diffId = 'sha256:' + hash.digest('hex');
    const size = statSync(layer).size;
    const now = new Date().toISOString();
    const plat = opts.platform ?? hostPlatform();
    const config: ImageConfig = {
      created: now,
      architecture: plat.architecture,
      os: plat.os,
      ...(plat.variant ? { variant: plat.variant } : {}),
      config: cfg,
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: now, created_by: '', comment: opts.message ?? `Imported from ${opts.source}` }],
    };
    if (opts.message) config.comment = opts.message;
    const configBody = Buffer.from(JSON.stringify(config));
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: sha256(configBody), size: configBody.length },
      layers: [{ mediaType: MediaType.OciLayer, digest: diffId, size }],
    };
    const res = await storeLocalImage(ctx, {
      manifestBody: Buffer.from(JSON.stringify(manifest)),
      manifestMediaType: MediaType.OciManifest,
      configBody,
      layerPath: () => layer,
      tags: opts.tag ? [opts.tag] : [],
      label: opts.tag ?? 'imported image',
    });
    ctx.events.emit('image', 'import', res.id, {});
    return res.id;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
