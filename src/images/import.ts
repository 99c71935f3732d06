// import: a root filesystem tarball (plain, gzip or zstd) becomes a one-layer image with no
// base, through the same path as commit.
import { createReadStream, createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EngineContext } from '../engine/context.js';
import { applyChange } from './changes.js';
import { decompressor, sniffCompression } from './layer-fetch.js';
import { hostPlatform, type ContainerConfig } from './manifest.js';
import { storeNewLayerImage } from './commit.js';
import { errorMessage, invalid } from '../errors.js';
import { httpGet, type Download } from '../util/http-get.js';

export interface ImportOptions {
  changes: string[];
  message?: string;
  tag?: string;
  /** shown in the history comment, as docker does: "Imported from -" */
  source: string;
  platform?: { os: string; architecture: string; variant?: string };
}

/** What `import` reads for a source: `input` for "-", the body of an http(s) URL (src/util/http-get.ts). */
export async function importSource(src: string, input: Readable | undefined): Promise<Readable> {
  if (src === '-') {
    if (!input) throw invalid('import from "-" needs an input stream');
    return input;
  }
  if (!/^https?:\/\//i.test(src)) throw invalid(`fromSrc must be "-" or an http(s) URL, not "${src}"`);
  let resp: Download;
  try {
    resp = await httpGet(src);
  } catch (e) {
    throw invalid(`downloading ${src}: ${errorMessage(e)}`);
  }
  if (resp.status < 200 || resp.status > 299) {
    resp.body.resume();
    throw invalid(`downloading ${src}: ${resp.status} ${resp.statusText}`);
  }
  return resp.body;
}

export async function importImage(ctx: EngineContext, input: Readable, opts: ImportOptions): Promise<string> {
  const cfg: ContainerConfig = {};
  for (const c of opts.changes) applyChange(cfg, c);
  // The compression is known from the first bytes: the input (maybe stdin) is kept in a file.
  const dir = join(ctx.storageTmp, `${process.pid}-import-${Date.now()}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    const raw = join(dir, 'raw');
    await pipeline(input, createWriteStream(raw));
    const dec = await decompressor(sniffCompression(raw));
    const src = createReadStream(raw, { highWaterMark: 1 << 20 });
    const plat = opts.platform ?? hostPlatform();
    return await storeNewLayerImage(ctx, {
      base: { architecture: plat.architecture, os: plat.os, ...(plat.variant ? { variant: plat.variant } : {}), rootfs: { type: 'layers', diff_ids: [] } },
      config: cfg,
      layer: dec ? src.pipe(dec) : src,
      createdBy: '',
      comment: opts.message,
      historyComment: opts.message ?? `Imported from ${opts.source}`,
      tag: opts.tag,
      action: 'import',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
