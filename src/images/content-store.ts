// Content store: an OCI image layout (oci-layout, index.json, blobs/<alg>/<hex>) under
// <root>/content. A blob enters only through an Ingest: written to a private file in
// ingest/, hashed as it streams, checked against the expected digest and size, fsynced,
// then renamed under its digest. Nothing partial or unverified ever sits under a digest name.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync, createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { corrupt, notFound } from '../errors.js';
import { validateDigest } from './reference.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string; 'os.version'?: string; 'os.features'?: string[] };
  urls?: string[];
  artifactType?: string;
}

export function sha256(data: string | Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export class ContentStore {
  readonly dir: string;
  private readonly blobDir: string;
  private readonly ingestDir: string;

  constructor(root: string) {
    this.dir = join(root, 'content');
    this.blobDir = join(this.dir, 'blobs', 'sha256');
    this.ingestDir = join(this.dir, 'ingest');
    if (!existsSync(this.blobDir)) {
      mkdirSync(this.blobDir, { recursive: true, mode: 0o700 });
      mkdirSync(this.ingestDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(this.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      this.writeIndex([]);
    }
  }

  path(digest: string): string {
    validateDigest(digest);
    const [alg, hex] = digest.split(':');
    if (alg !== 'sha256') throw notFound(`blob ${digest}: only sha256 blobs are stored`);
    return join(this.blobDir, hex);
  }

  has(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  size(digest: string): number {
    return statSync(this.path(digest)).size;
  }

  read(digest: string): Buffer {
    try {
      return readFileSync(this.path(digest));
    } catch {
      throw notFound(`blob ${digest} not found in the content store`);
    }
  }

  readJson<T>(digest: string): T {
    return JSON.parse(this.read(digest).toString('utf8')) as T;
  }

  stream(digest: string, start = 0): Readable {
    return createReadStream(this.path(digest), { start });
  }

  /** Store a small blob held in memory, checking it against its digest when given. */
  put(data: Buffer | string, expected?: string): Descriptor & { digest: string } {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const ing = this.ingest(expected);
    ing.write(buf);
    const digest = ing.commit(buf.length);
    return { mediaType: '', digest, size: buf.length };
  }

  /** Begin writing a blob. `expected` is the digest it must have (checked at commit). */
  ingest(expected?: string): Ingest {
    return new Ingest(this, this.ingestDir, expected);
  }

  /** @internal used by Ingest */
  place(tmp: string, digest: string): void {
    const dest = this.path(digest);
    if (existsSync(dest)) rmSync(tmp, { force: true });
    else renameSync(tmp, dest);
  }

  listBlobs(): string[] {
    return readdirSync(this.blobDir).map((h) => `sha256:${h}`);
  }

  remove(digest: string): void {
    rmSync(this.path(digest), { force: true });
  }

  /** Ingest files left by processes that died (their pid is part of the name). */
  staleIngests(): string[] {
    const out: string[] = [];
    for (const name of readdirSync(this.ingestDir)) {
      const pid = Number(name.split('-')[0]);
      if (!pidAlive(pid)) out.push(join(this.ingestDir, name));
    }
    return out;
  }

  /** Rewrite index.json (atomically) so that skopeo and umoci can read the store. */
  writeIndex(manifests: Descriptor[]): void {
    const tmp = join(this.dir, `.index.json.${process.pid}`);
    writeFileSync(tmp, JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
    renameSync(tmp, join(this.dir, 'index.json'));
  }
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Ingest {
  readonly tmp: string;
  private fd: number;
  private hash: Hash = createHash('sha256');
  written = 0;
  done = false;

  constructor(private readonly store: ContentStore, dir: string, readonly expected?: string) {
    this.tmp = join(dir, `${process.pid}-${randomBytes(6).toString('hex')}`);
    this.fd = openSync(this.tmp, 'wx', 0o600);
  }

  write(chunk: Uint8Array): void {
    this.hash.update(chunk);
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
    this.written += chunk.length;
  }

  /** The digest of what was written so far. */
  currentDigest(): string {
    return 'sha256:' + this.hash.copy().digest('hex');
  }

  /** Verify, fsync and move into place. Returns the digest. Throws (and discards) on mismatch. */
  commit(expectedSize?: number, what = 'blob'): string {
    if (this.done) throw new Error('ingest already finished');
    this.done = true;
    const digest = 'sha256:' + this.hash.digest('hex');
    try {
      if (expectedSize !== undefined && expectedSize !== this.written) {
        throw corrupt(`${what} ${this.expected ?? digest}: size mismatch: expected ${expectedSize} bytes, got ${this.written}`);
      }
      if (this.expected && this.expected !== digest) {
        throw corrupt(`${what} ${this.expected}: digest mismatch: content hashes to ${digest}`);
      }
      if (!process.env.NOFSYNC) fsyncSync(this.fd);
      closeSync(this.fd);
      this.store.place(this.tmp, digest);
      return digest;
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  abort(): void {
    this.done = true;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    rmSync(this.tmp, { force: true });
  }
}
