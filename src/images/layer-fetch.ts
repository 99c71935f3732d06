// One layer, in one pass: the registry's bytes stream into the content store (hashed and
// checked against the layer digest) and, at the same time, through decompression (hashed
// and checked against the config's diff_id) into a fresh snapshot directory. Nothing is
// committed unless both digests match; on any failure both are discarded.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { corrupt, BerthError } from '../errors.js';
import type { ContentStore, Descriptor } from './content-store.js';
import { layerCompression, type Compression } from './manifest.js';
import { applyLayer } from '../storage/layer-apply.js';
import type { Snapshotter } from '../storage/snapshots.js';

export interface LayerTarget {
  desc: Descriptor;
  diffId: string;
  chainId: string;
  parent: string | null;
}

export interface UnpackOptions {
  maxSize: number;
  chown: boolean;
  /** Names the image in errors. */
  image: string;
  onBytes?: (n: number) => void;
  onExtracting?: () => void;
}

/** Compression of a file, from its magic bytes. */
export function sniffCompression(path: string): Compression {
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(4);
  try {
    readSync(fd, b, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

export async function decompressor(c: Compression): Promise<Transform | undefined> {
  if (c === 'gzip') return createGunzip({ chunkSize: 256 * 1024 });
  if (c === 'zstd') {
    const { DecompressStream } = await import('zstd-napi');
    return new DecompressStream() as unknown as Transform;
  }
  return undefined;
}

/** Counts and hashes the uncompressed tar, stopping a decompression bomb at maxSize. */
class DiffMeter extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly max: number, private readonly label: string) {
    super({ highWaterMark: 1 << 20 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null, d?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max + 10240) {
      cb(new BerthError('corrupt', `refusing layer ${this.label}: uncompressed size exceeds the limit of ${this.max} bytes`));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }
}

/**
 * Stream `source` (the compressed blob, as stored or as fetched) into the store and a
 * snapshot. `storeBlob` false when the blob is already in the content store.
 */
export async function ingestAndUnpack(source: Readable, layer: LayerTarget, content: ContentStore, snapshots: Snapshotter, opts: UnpackOptions & { storeBlob: boolean; mediaType?: string }): Promise<void> {
  const label = `${layer.desc.digest} of ${opts.image}`;
  const ingest = opts.storeBlob ? content.ingest(layer.desc.digest) : undefined;
  const prepared = snapshots.prepare();
  const meter = new DiffMeter(opts.maxSize, label);
  try {
    const tap = new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _e, cb) {
        ingest?.write(chunk);
        opts.onBytes?.(chunk.length);
        cb(null, chunk);
      },
    });
    const dec = await decompressor(layerCompression(opts.mediaType ?? layer.desc.mediaType));
    const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream> = [source, tap];
    if (dec) stages.push(dec);
    stages.push(meter);
    opts.onExtracting?.();
    const flowing = pipeline(stages as unknown as [Readable, Transform]).catch((e: unknown) => {
      throw wrapStreamError(e, label);
    });
    const applied = applyLayer(meter, prepared.diff, { maxSize: opts.maxSize, chown: opts.chown, label });
    // If the unpack fails first, stop the download too.
    applied.catch((e: unknown) => source.destroy(e instanceof Error ? e : new Error(String(e))));
    await Promise.all([flowing, applied]);
    ingest?.commit(layer.desc.size, `layer`);
    const diff = 'sha256:' + meter.hash.digest('hex');
    if (diff !== layer.diffId) throw corrupt(`layer ${layer.desc.digest} of ${opts.image}: uncompressed content hashes to ${diff}, but the image config says ${layer.diffId}`);
    snapshots.commit(prepared, { chain_id: layer.chainId, parent: layer.parent, diff_id: layer.diffId, size: meter.bytes });
  } catch (e) {
    if (ingest && !ingest.done && ingest.written >= layer.desc.size && ingest.currentDigest() !== layer.desc.digest) {
      ingest.abort();
      snapshots.discard(prepared);
      throw corrupt(`layer ${layer.desc.digest} of ${opts.image}: digest mismatch: the registry sent content that hashes to ${ingest.currentDigest()}`);
    }
    ingest?.abort();
    snapshots.discard(prepared);
    source.destroy();
    throw e;
  }
}

function wrapStreamError(e: unknown, label: string): Error {
  if (e instanceof BerthError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'Z_DATA_ERROR' || err?.code === 'Z_BUF_ERROR' || /incorrect header|invalid|unexpected end|zstd/i.test(err?.message ?? '')) {
    return corrupt(`layer ${label}: cannot decompress: ${err.message}`);
  }
  return new BerthError('unavailable', `layer ${label}: ${err?.message ?? String(e)}`, { cause: e });
}
