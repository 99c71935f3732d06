// One layer, in one pass: the registry's bytes stream into the content store (hashed and
// checked against the layer digest) and, at the same time, through decompression (hashed
// and checked against the config's diff_id) into a fresh snapshot directory. Nothing is
// committed unless both digests match; on any failure both are discarded.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { corrupt, BerthError } from '../errors.js';
import { ContentStore, type Descriptor } from './content-store.js';
import { RepositoryClient, type RepositoryState } from './registry/client.js';
import { layerCompression, type Compression } from './manifest.js';
import { applyLayer } from '../storage/layer-apply.js';
import { zstd } from '../util/native.js';

export interface LayerTarget {
  desc: Descriptor;
  diffId: string;
  chainId: string;
  parent: string | null;
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
    const { DecompressStream } = zstd();
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

/** Where a layer's compressed bytes come from: plain data, so that it can cross to a worker. */
export type LayerSource =
  | { kind: 'store' }
  | { kind: 'file'; path: string }
  | { kind: 'registry'; client: RepositoryState };

/** One layer to verify and unpack into a prepared (temporary) snapshot directory. */
export interface UnpackJob {
  /** berth's storage root (the content store lives under it) */
  root: string;
  desc: Descriptor;
  diffId: string;
  /** the prepared snapshot's diff directory */
  diffDir: string;
  source: LayerSource;
  maxSize: number;
  chown: boolean;
  /** names the image in errors */
  image: string;
}

function openSource(job: UnpackJob, content: ContentStore): Readable {
  const s = job.source;
  if (s.kind === 'store') return content.stream(job.desc.digest);
  if (s.kind === 'file') return createReadStream(s.path, { highWaterMark: 1 << 20 });
  return RepositoryClient.fromState(s.client).blob(job.desc.digest, job.desc.size);
}

/**
 * Stream a layer's compressed bytes into the content store (unless they come from it) and,
 * in the same pass, through decompression into the snapshot directory. Both digests are
 * checked before anything is kept; the caller commits the snapshot. Needs no database, so
 * it runs as well in a worker thread.
 */
export async function unpackLayer(job: UnpackJob, onBytes?: (n: number) => void): Promise<{ size: number }> {
  const content = new ContentStore(job.root);
  const label = `${job.desc.digest} of ${job.image}`;
  const source = openSource(job, content);
  const ingest = job.source.kind === 'store' ? undefined : content.ingest(job.desc.digest);
  const meter = new DiffMeter(job.maxSize, label);
  try {
    const tap = new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _e, cb) {
        ingest?.write(chunk);
        onBytes?.(chunk.length);
        cb(null, chunk);
      },
    });
    const dec = await decompressor(layerCompression(job.desc.mediaType));
    const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream> = [source, tap];
    if (dec) stages.push(dec);
    stages.push(meter);
    const flowing = pipeline(stages as unknown as [Readable, Transform]).catch((e: unknown) => {
      throw wrapStreamError(e, label);
    });
    const applied = applyLayer(meter, job.diffDir, { maxSize: job.maxSize, chown: job.chown, label });
    // If the unpack fails first, stop the download too.
    applied.catch((e: unknown) => source.destroy(e instanceof Error ? e : new Error(String(e))));
    await Promise.all([flowing, applied]);
    ingest?.commit(job.desc.size, 'layer');
    const diff = 'sha256:' + meter.hash.digest('hex');
    if (diff !== job.diffId) throw corrupt(`layer ${job.desc.digest} of ${job.image}: uncompressed content hashes to ${diff}, but the image config says ${job.diffId}`);
    return { size: meter.bytes };
  } catch (e) {
    source.destroy();
    if (ingest && !ingest.done && ingest.written >= job.desc.size) {
      const got = ingest.currentDigest();
      ingest.abort();
      if (got !== job.desc.digest) throw corrupt(`layer ${job.desc.digest} of ${job.image}: digest mismatch: the content hashes to ${got}`);
    }
    ingest?.abort();
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
