// Test fixtures: OCI image layouts built offline from Debian's busybox-static.
//
// Everything here is deterministic (fixed mtimes, entries in a fixed order, fixed JSON key
// order, node's zlib with fixed settings), so the digests are stable within a run and, as long
// as /bin/busybox and the zlib/zstd builds do not change, across runs too. Nothing is cached
// outside the directory handed to buildFixtures().
//
// Layout of what buildFixtures(dir) writes:
//   dir/<name>/            one OCI image layout per fixture (oci-layout, index.json, blobs/sha256/*)
//   dir/hostile-target/    an empty directory that the hostile layers try to write into
//   dir/hostile-secret     a file that the hostile hardlinks try to link to
//
// Every layout's index.json has exactly one descriptor, tagged "latest" with the
// org.opencontainers.image.ref.name annotation, so skopeo/umoci address it as DIR:latest.

import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile, cp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb, constants as zlibConstants } from 'node:zlib';
import { pack as tarPack, type Header as TarHeader } from 'tar-stream';
import { compress as zstdCompress } from 'zstd-napi';

const gzip = promisify(gzipCb);

// ---------------------------------------------------------------------------------------------
// Media types

export const MEDIA_TYPES = {
  ociLayout: '1.0.0',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayerZstd: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
} as const;

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** Every tar header and every JSON "created" uses this instant. */
export const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');
export const FIXED_CREATED = '2024-01-01T00:00:00Z';
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const BUSYBOX_PATH = '/bin/busybox';

/** Applets linked to /bin/busybox in every busybox-based fixture (all exist in Debian's build). */
export const BUSYBOX_APPLETS: readonly string[] = [
  'cat', 'chmod', 'chown', 'cp', 'cut', 'date', 'echo', 'env', 'false', 'find', 'grep',
  'head', 'hostname', 'id', 'ip', 'kill', 'ln', 'ls', 'mkdir', 'mount', 'mv', 'nc', 'printf',
  'ps', 'pwd', 'readlink', 'rm', 'sed', 'seq', 'sh', 'sleep', 'sort', 'stat', 'sync', 'tail',
  'tee', 'test', 'top', 'touch', 'true', 'uname', 'wc', 'wget', 'whoami', 'yes',
];

// ---------------------------------------------------------------------------------------------
// Digests

/** "sha256:<hex>" of the bytes. */
export function sha256(data: Buffer | Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Hex part of a "sha256:<hex>" digest. */
export function digestHex(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new Error(`not a sha256 digest: ${digest}`);
  return m[1];
}

/** Path of a blob inside a layout. */
export function blobPath(layoutDir: string, digest: string): string {
  return join(layoutDir, 'blobs', 'sha256', digestHex(digest));
}

// ---------------------------------------------------------------------------------------------
// Tar layers

export type EntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'link'
  | 'character-device'
  | 'block-device'
  | 'fifo';

/** One tar entry. `path` goes into the header verbatim (no normalisation: hostile names stay). */
export interface TarEntry {
  path: string;
  /** Defaults to 'file', or 'directory' when path ends with '/'. */
  type?: EntryType;
  /** Permission bits incl. setuid/setgid/sticky. Defaults 0o644 (file) / 0o755 (dir) / 0o777 (symlink). */
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  content?: Buffer | string;
  /** Symlink target, or for 'link' (hardlink) the path of the earlier entry, as written in the header. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extra PAX records, e.g. {'SCHILY.xattr.user.test': 'hello'}. */
  pax?: Record<string, string>;
  mtime?: Date;
}

/** What a tar entry was, without its content. */
export interface EntryInfo {
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** "sha256:..." of the content, for regular files. */
  sha256?: string;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}

export type Compression = 'gzip' | 'zstd' | 'none';
export type Flavor = 'oci' | 'docker';

export interface Layer {
  mediaType: string;
  /** Digest of the blob (compressed bytes). */
  digest: string;
  size: number;
  /** Digest of the uncompressed tar (config rootfs.diff_ids). */
  diffId: string;
  /** Size of the uncompressed tar. */
  tarSize: number;
  compression: Compression;
  /** The blob bytes. */
  blob: Buffer;
  entries: EntryInfo[];
}

export function layerMediaType(compression: Compression, flavor: Flavor = 'oci'): string {
  if (flavor === 'docker') {
    return compression === 'gzip'
      ? MEDIA_TYPES.dockerLayerGzip
      : compression === 'zstd'
        ? MEDIA_TYPES.dockerLayerZstd
        : MEDIA_TYPES.dockerLayer;
  }
  return compression === 'gzip'
    ? MEDIA_TYPES.ociLayerGzip
    : compression === 'zstd'
      ? MEDIA_TYPES.ociLayerZstd
      : MEDIA_TYPES.ociLayer;
}

function entryType(e: TarEntry): EntryType {
  return e.type ?? (e.path.endsWith('/') ? 'directory' : 'file');
}

function defaultMode(type: EntryType): number {
  switch (type) {
    case 'directory':
      return 0o755;
    case 'symlink':
      return 0o777;
    case 'character-device':
    case 'block-device':
      return 0o660;
    default:
      return 0o644;
  }
}

/** Builds an uncompressed tar from the entries, in the order given. */
export async function makeTar(entries: readonly TarEntry[]): Promise<{ tar: Buffer; info: EntryInfo[] }> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    p.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  const info: EntryInfo[] = [];
  for (const e of entries) {
    const type = entryType(e);
    const content =
      type === 'file' ? (typeof e.content === 'string' ? Buffer.from(e.content) : (e.content ?? Buffer.alloc(0))) : undefined;
    const mode = e.mode ?? defaultMode(type);
    const header: Partial<TarHeader> & { name: string } = {
      name: e.path,
      type,
      mode,
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      uname: e.uname ?? '',
      gname: e.gname ?? '',
      mtime: e.mtime ?? FIXED_MTIME,
      size: content ? content.length : 0,
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      devmajor: e.devmajor ?? 0,
      devminor: e.devminor ?? 0,
    };
    // Long names go into PAX records: tar-stream's ustar prefix split would drop a leading '/'.
    if (e.pax) header.pax = e.pax;
    else if (Buffer.byteLength(e.path) > 100 || Buffer.byteLength(e.linkname ?? '') > 100) header.pax = {};
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (content) p.entry(header, content, cb);
      else p.entry(header, cb);
    });
    info.push({
      path: e.path,
      type,
      mode,
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      size: content ? content.length : 0,
      ...(content ? { sha256: sha256(content) } : {}),
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      ...(type === 'character-device' || type === 'block-device'
        ? { devmajor: e.devmajor ?? 0, devminor: e.devminor ?? 0 }
        : {}),
      ...(e.pax ? { pax: { ...e.pax } } : {}),
    });
  }
  p.finalize();
  await done;
  return { tar: Buffer.concat(chunks), info };
}

/** Compresses a tar the way layers are compressed here (gzip level 6, zstd level 3). */
export async function compressTar(tar: Buffer, compression: Compression): Promise<Buffer> {
  if (compression === 'gzip') return gzip(tar, { level: 6, strategy: zlibConstants.Z_DEFAULT_STRATEGY });
  if (compression === 'zstd') return zstdCompress(tar);
  return tar;
}

/** Builds a layer blob from tar entries (written in the order given). */
export async function makeLayer(
  entries: readonly TarEntry[],
  compression: Compression = 'gzip',
  opts: { flavor?: Flavor } = {},
): Promise<Layer> {
  const { tar, info } = await makeTar(entries);
  const diffId = sha256(tar);
  const blob = await compressTar(tar, compression);
  return {
    mediaType: layerMediaType(compression, opts.flavor),
    digest: sha256(blob),
    size: blob.length,
    diffId,
    tarSize: tar.length,
    compression,
    blob,
    entries: info,
  };
}

/** The same blob under another media type (e.g. an OCI gzip layer reused in a Docker image). */
export function withMediaType(layer: Layer, mediaType: string): Layer {
  return { ...layer, mediaType };
}

// ---------------------------------------------------------------------------------------------
// Expected root filesystem after applying layers (whiteouts included)

export type FileType = 'file' | 'directory' | 'symlink' | 'character-device' | 'block-device' | 'fifo';

/** One path of the root filesystem that an unpacker must produce. */
export interface ExpectedFile {
  /** Absolute path inside the rootfs, without trailing slash ("/bin/busybox"). */
  path: string;
  type: FileType;
  mode: number;
  uid: number;
  gid: number;
  /** Regular files: size and "sha256:..." of the content. */
  size?: number;
  sha256?: string;
  /** Small text files: the content. */
  content?: string;
  /** Symlinks: the target. */
  linkname?: string;
  /** Regular files that are hardlinks: the absolute path of the entry they link to (same inode). */
  hardlinkOf?: string;
  devmajor?: number;
  devminor?: number;
  /** From SCHILY.xattr.* PAX records. */
  xattrs?: Record<string, string>;
}

function normPath(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  return '/' + parts.join('/');
}

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

function baseOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * Applies layers in order (OCI layer.md semantics: whiteouts and opaque markers hide lower
 * layers only) and returns the resulting tree, sorted by path. Only for well-behaved layers.
 * Small text files (< 4 KiB, valid UTF-8 without NUL) carry their content too.
 */
export function expectedTree(layers: readonly (readonly TarEntry[])[]): ExpectedFile[] {
  const tree = new Map<string, ExpectedFile>();
  const removeUnder = (dir: string, includeSelf: boolean) => {
    for (const k of [...tree.keys()]) {
      if ((includeSelf && k === dir) || k.startsWith(dir === '/' ? '/' : dir + '/')) tree.delete(k);
    }
  };
  for (const entries of layers) {
    // 1. whiteouts of this layer act on lower layers only
    for (const e of entries) {
      const p = normPath(e.path);
      const base = baseOf(p);
      if (base === OPAQUE) removeUnder(parentOf(p), false);
      else if (base.startsWith(WHITEOUT_PREFIX)) removeUnder(join(parentOf(p), base.slice(WHITEOUT_PREFIX.length)), true);
    }
    // 2. then this layer's own entries
    for (const e of entries) {
      const p = normPath(e.path);
      const base = baseOf(p);
      if (base.startsWith(WHITEOUT_PREFIX)) continue;
      const type = entryType(e);
      const xattrs: Record<string, string> = {};
      for (const [k, v] of Object.entries(e.pax ?? {})) {
        if (k.startsWith('SCHILY.xattr.')) xattrs[k.slice('SCHILY.xattr.'.length)] = v;
      }
      const common = {
        path: p,
        mode: e.mode ?? defaultMode(type),
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        ...(Object.keys(xattrs).length ? { xattrs } : {}),
      };
      if (type === 'link') {
        const target = tree.get(normPath(e.linkname ?? ''));
        if (!target) throw new Error(`expectedTree: hardlink ${p} to missing ${e.linkname}`);
        const { path: _ignored, ...rest } = target;
        void _ignored;
        tree.set(p, { ...rest, path: p, hardlinkOf: target.path });
        continue;
      }
      const existing = tree.get(p);
      if (existing && (existing.type !== 'directory' || type !== 'directory')) removeUnder(p, true);
      if (type === 'file') {
        const content = typeof e.content === 'string' ? Buffer.from(e.content) : (e.content ?? Buffer.alloc(0));
        const text =
          content.length < 4096 && !content.includes(0) && Buffer.from(content.toString('utf8')).equals(content)
            ? content.toString('utf8')
            : undefined;
        tree.set(p, {
          ...common,
          type: 'file',
          size: content.length,
          sha256: sha256(content),
          ...(text !== undefined ? { content: text } : {}),
        });
      } else if (type === 'symlink') {
        tree.set(p, { ...common, type, linkname: e.linkname ?? '' });
      } else if (type === 'character-device' || type === 'block-device') {
        tree.set(p, { ...common, type, devmajor: e.devmajor ?? 0, devminor: e.devminor ?? 0 });
      } else {
        tree.set(p, { ...common, type });
      }
    }
  }
  return [...tree.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// OCI layouts

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

/** An image to write: its layers and its config (rootfs is filled in from the layers). */
export interface ImageInput {
  layers: Layer[];
  /** Image config without rootfs; rootfs {type:'layers', diff_ids} is appended. */
  config: Record<string, unknown>;
  /** 'oci' (default) or 'docker' (schema2 manifest and config media types). */
  flavor?: Flavor;
  manifestAnnotations?: Record<string, string>;
}

export interface ImageInfo {
  manifestDigest: string;
  manifestSize: number;
  manifestMediaType: string;
  manifest: Record<string, unknown>;
  manifestBytes: Buffer;
  configDigest: string;
  configSize: number;
  configMediaType: string;
  config: Record<string, unknown>;
  layers: Omit<Layer, 'blob'>[];
  diffIds: string[];
  platform: Platform;
}

export interface LayoutInfo {
  dir: string;
  tag: string;
  /** What the tag points to: the manifest (single image) or the index (several images). */
  digest: string;
  mediaType: string;
  size: number;
  /** The index blob, when several images were written. */
  index?: Record<string, unknown>;
  indexBytes?: Buffer;
  images: ImageInfo[];
}

/** Creates an empty layout: oci-layout, blobs/sha256/, and an index.json with no manifests. */
export async function initLayout(dir: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: MEDIA_TYPES.ociLayout }));
  await writeIndexJson(dir, []);
}

/** Writes a blob under its digest (idempotent) and returns its descriptor. */
export async function writeBlob(layoutDir: string, data: Buffer, mediaType: string): Promise<Descriptor> {
  const digest = sha256(data);
  await mkdir(join(layoutDir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(blobPath(layoutDir, digest), data);
  return { mediaType, digest, size: data.length };
}

/** Writes index.json (schemaVersion 2, OCI index media type) with these descriptors. */
export async function writeIndexJson(layoutDir: string, manifests: Descriptor[]): Promise<void> {
  const index = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests };
  await writeFile(join(layoutDir, 'index.json'), JSON.stringify(index));
}

/** Canonical-enough JSON for blobs: fixed key order given by the caller, no whitespace. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** Writes layers, config and manifest of one image into a layout (index.json untouched). */
export async function writeImage(layoutDir: string, image: ImageInput): Promise<ImageInfo> {
  const flavor = image.flavor ?? 'oci';
  const diffIds = image.layers.map((l) => l.diffId);
  const config = { ...image.config, rootfs: { type: 'layers', diff_ids: diffIds } };
  const configBytes = jsonBytes(config);
  const configMediaType = flavor === 'docker' ? MEDIA_TYPES.dockerConfig : MEDIA_TYPES.ociConfig;
  const manifestMediaType = flavor === 'docker' ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest;
  for (const l of image.layers) await writeBlob(layoutDir, l.blob, l.mediaType);
  const configDesc = await writeBlob(layoutDir, configBytes, configMediaType);
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: manifestMediaType,
    config: { mediaType: configMediaType, digest: configDesc.digest, size: configDesc.size },
    layers: image.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  if (image.manifestAnnotations) manifest.annotations = image.manifestAnnotations;
  const manifestBytes = jsonBytes(manifest);
  const mdesc = await writeBlob(layoutDir, manifestBytes, manifestMediaType);
  const platform: Platform = {
    os: String(image.config.os ?? 'linux'),
    architecture: String(image.config.architecture ?? 'amd64'),
    ...(typeof image.config.variant === 'string' ? { variant: image.config.variant } : {}),
  };
  return {
    manifestDigest: mdesc.digest,
    manifestSize: mdesc.size,
    manifestMediaType,
    manifest,
    manifestBytes,
    configDigest: configDesc.digest,
    configSize: configDesc.size,
    configMediaType,
    config,
    layers: image.layers.map(({ blob: _b, ...rest }) => rest),
    diffIds,
    platform,
  };
}

/**
 * Writes a complete OCI layout at `dir`. One image: index.json points at its manifest. Several
 * images: an image index blob (OCI, with each platform) is written and index.json points at it.
 * Either way the index.json descriptor carries the ref.name annotation `tag` (default "latest").
 */
export async function writeOciLayout(
  dir: string,
  images: ImageInput | ImageInput[],
  opts: { tag?: string; indexAnnotations?: Record<string, string> } = {},
): Promise<LayoutInfo> {
  const tag = opts.tag ?? 'latest';
  await initLayout(dir);
  const list = Array.isArray(images) ? images : [images];
  const infos: ImageInfo[] = [];
  for (const img of list) infos.push(await writeImage(dir, img));
  if (!Array.isArray(images)) {
    const i = infos[0];
    await writeIndexJson(dir, [
      { mediaType: i.manifestMediaType, digest: i.manifestDigest, size: i.manifestSize, annotations: { [REF_NAME_ANNOTATION]: tag } },
    ]);
    return { dir, tag, digest: i.manifestDigest, mediaType: i.manifestMediaType, size: i.manifestSize, images: infos };
  }
  const index: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: infos.map((i) => ({
      mediaType: i.manifestMediaType,
      digest: i.manifestDigest,
      size: i.manifestSize,
      platform: i.platform,
    })),
  };
  if (opts.indexAnnotations) index.annotations = opts.indexAnnotations;
  const indexBytes = jsonBytes(index);
  const idesc = await writeBlob(dir, indexBytes, MEDIA_TYPES.ociIndex);
  await writeIndexJson(dir, [{ ...idesc, annotations: { [REF_NAME_ANNOTATION]: tag } }]);
  return { dir, tag, digest: idesc.digest, mediaType: MEDIA_TYPES.ociIndex, size: idesc.size, index, indexBytes, images: infos };
}

/** Reads index.json of a layout and returns the descriptor tagged `tag` (or the only one). */
export async function readLayoutRef(layoutDir: string, tag = 'latest'): Promise<Descriptor> {
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const tagged = index.manifests.find((d) => d.annotations?.[REF_NAME_ANNOTATION] === tag);
  const d = tagged ?? (index.manifests.length === 1 ? index.manifests[0] : undefined);
  if (!d) throw new Error(`no manifest tagged ${tag} in ${layoutDir}`);
  return d;
}

// ---------------------------------------------------------------------------------------------
// Corrupted copies (for load/pull-from-layout tests; the faulty registry corrupts on the wire)

/** A copy of the bytes with some bytes flipped (same length; first, middle and last byte). */
export function flipBytes(data: Buffer): Buffer {
  const out = Buffer.from(data);
  if (out.length === 0) return out;
  for (const i of new Set([0, out.length >> 1, out.length - 1])) out[i] ^= 0xff;
  return out;
}

/** Copies a whole layout directory. */
export async function copyLayout(src: string, dst: string): Promise<void> {
  await cp(src, dst, { recursive: true });
}

/**
 * Damages one blob of a layout in place, keeping its digest name: 'flip' keeps the length,
 * 'truncate' keeps the first half, 'remove' deletes it.
 */
export async function corruptBlob(layoutDir: string, digest: string, how: 'flip' | 'truncate' | 'remove' = 'flip'): Promise<void> {
  const p = blobPath(layoutDir, digest);
  if (how === 'remove') {
    await rm(p);
    return;
  }
  const data = await readFile(p);
  await writeFile(p, how === 'flip' ? flipBytes(data) : data.subarray(0, data.length >> 1));
}

// ---------------------------------------------------------------------------------------------
// The fixtures

export interface Fixture extends LayoutInfo {
  name: string;
  /** skopeo/umoci reference: `oci:DIR:TAG`. */
  ociRef: string;
  /** The first (for multiarch: linux/amd64) image's manifest and config. */
  manifestDigest: string;
  configDigest: string;
  layers: Omit<Layer, 'blob'>[];
  diffIds: string[];
  /** Expected rootfs of the first image after unpacking (empty for hostile fixtures). */
  files: ExpectedFile[];
  /** Paths that must not exist after unpacking (removed by whiteouts, or escapes). */
  absent: string[];
}

export type HostileKind =
  | 'traversal'
  | 'absolute'
  | 'symlink-escape'
  | 'symlink-escape-rel'
  | 'hardlink-escape'
  | 'device'
  | 'bomb';

export interface HostileFixture extends Fixture {
  kind: HostileKind;
  /** Raw tar entries of the single layer, in order (bomb's content omitted). */
  entries: EntryInfo[];
  /**
   * Host paths that a safe unpacker never creates, whatever directory it unpacks into
   * (all under Fixtures.hostileTarget). For 'traversal' also see `relativeEscapes`.
   */
  hostEscapes: string[];
  /** For 'traversal': paths relative to the unpack directory that must not be created ("../../escape"). */
  relativeEscapes: string[];
}

export interface MultiarchFixture extends Fixture {
  /** Per platform ("linux/amd64", "linux/arm64"): the image and the expected rootfs. */
  platforms: Record<string, ImageInfo & { files: ExpectedFile[]; arch: string }>;
}

export interface Fixtures {
  root: string;
  busybox: { path: string; size: number; sha256: string };
  single: Fixture;
  multi: Fixture;
  rich: Fixture;
  zstd: Fixture;
  docker: Fixture;
  multiarch: MultiarchFixture;
  hostile: Record<HostileKind, HostileFixture>;
  /** Empty directory that hostile layers aim at; must still be empty after any unpack. */
  hostileTarget: string;
  /** File that hostile hardlinks aim at; its link count must stay 1. */
  hostileSecret: string;
  /** All non-hostile fixtures by name. */
  all: Record<string, Fixture>;
}

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnobody:x:65534:\n';

/** Entries of the busybox base: /bin/busybox + applet symlinks, /etc/passwd, /etc/group, /tmp. */
export function busyboxEntries(busybox: Buffer, extra: { passwd?: string; group?: string } = {}): TarEntry[] {
  return [
    { path: 'bin/', type: 'directory', mode: 0o755 },
    { path: 'bin/busybox', content: busybox, mode: 0o755 },
    ...BUSYBOX_APPLETS.map((a): TarEntry => ({ path: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
    { path: 'etc/', type: 'directory', mode: 0o755 },
    { path: 'etc/group', content: extra.group ?? GROUP, mode: 0o644 },
    { path: 'etc/passwd', content: extra.passwd ?? PASSWD, mode: 0o644 },
    { path: 'tmp/', type: 'directory', mode: 0o1777 },
  ];
}

function baseConfig(arch = 'amd64'): Record<string, unknown> {
  return {
    created: FIXED_CREATED,
    architecture: arch,
    os: 'linux',
    config: { Env: [DEFAULT_PATH], Cmd: ['sh'] },
  };
}

function history(...items: Array<{ by: string; empty?: boolean }>): Array<Record<string, unknown>> {
  return items.map((h) => ({
    created: FIXED_CREATED,
    created_by: h.by,
    ...(h.empty ? { empty_layer: true } : {}),
  }));
}

async function fixture(
  root: string,
  name: string,
  images: ImageInput | ImageInput[],
  layerEntries: TarEntry[][],
  absent: string[] = [],
): Promise<Fixture> {
  const dir = join(root, name);
  const info = await writeOciLayout(dir, images);
  const first = info.images[0];
  return {
    ...info,
    name,
    ociRef: `oci:${dir}:${info.tag}`,
    manifestDigest: first.manifestDigest,
    configDigest: first.configDigest,
    layers: first.layers,
    diffIds: first.diffIds,
    files: expectedTree(layerEntries),
    absent,
  };
}

const DEEP_UP = '../'.repeat(40);

/**
 * Builds all fixtures under `dir` (created if missing). Takes well under 2 s: the layers are
 * built concurrently (zlib runs on the thread pool).
 */
export async function buildFixtures(dir: string): Promise<Fixtures> {
  await mkdir(dir, { recursive: true });
  const busybox = await readFile(BUSYBOX_PATH);
  const hostileTarget = join(dir, 'hostile-target');
  const hostileSecret = join(dir, 'hostile-secret');
  await mkdir(hostileTarget, { recursive: true });
  await writeFile(hostileSecret, 'secret\n', { mode: 0o600 });

  // --- entries ------------------------------------------------------------------------------
  const singleEntries = busyboxEntries(busybox);

  const multi1: TarEntry[] = [
    ...busyboxEntries(busybox),
    { path: 'etc/removed.txt', content: 'removed by layer 2\n' },
    { path: 'keep.txt', content: 'layer 1\n' },
    { path: 'opt/', type: 'directory' },
    { path: 'opt/old/', type: 'directory' },
    { path: 'opt/old/a.txt', content: 'hidden by opaque dir\n' },
    { path: 'opt/old/sub/', type: 'directory' },
    { path: 'opt/old/sub/b.txt', content: 'hidden by opaque dir\n' },
  ];
  const multi2: TarEntry[] = [
    { path: 'data/', type: 'directory', mode: 0o755 },
    { path: 'data/file.txt', content: 'hello from layer 2\n' },
    { path: 'data/hardlink', type: 'link', linkname: 'data/file.txt' },
    { path: 'data/private', content: 'owned by 1000\n', mode: 0o640, uid: 1000, gid: 1000 },
    { path: 'data/symlink', type: 'symlink', linkname: 'file.txt' },
    { path: 'data/xattr.txt', content: 'has an xattr\n', pax: { 'SCHILY.xattr.user.test': 'hello' } },
    { path: 'etc/', type: 'directory', mode: 0o755 },
    { path: 'etc/.wh.removed.txt', content: '' },
    { path: 'opt/old/', type: 'directory' },
    { path: 'opt/old/.wh..wh..opq', content: '' },
    { path: 'opt/old/new.txt', content: 'layer 2\n' },
  ];
  const multi3: TarEntry[] = [{ path: 'layer3.txt', content: 'layer 3\n' }];

  const richEntries: TarEntry[] = [
    ...busyboxEntries(busybox, {
      passwd: PASSWD + 'user:x:1000:1000:user:/work:/bin/sh\n',
      group: GROUP + 'user:x:1000:\n',
    }),
    { path: 'data/', type: 'directory', mode: 0o755 },
    { path: 'work/', type: 'directory', mode: 0o755, uid: 1000, gid: 1000 },
  ];

  const archMarker = (arch: string): TarEntry[] => [
    { path: 'etc/', type: 'directory', mode: 0o755 },
    { path: 'etc/arch', content: `${arch}\n` },
  ];

  const ok: TarEntry = { path: 'ok.txt', content: 'benign\n' };
  const hostileEntries: Record<HostileKind, TarEntry[]> = {
    traversal: [
      ok,
      { path: '../../escape', content: 'escaped\n' },
      { path: `${DEEP_UP}${hostileTarget.slice(1)}/traversal`, content: 'escaped\n' },
    ],
    absolute: [ok, { path: `${hostileTarget}/absolute`, content: 'escaped\n' }],
    'symlink-escape': [
      ok,
      { path: 'link', type: 'symlink', linkname: hostileTarget },
      { path: 'link/pwned', content: 'escaped\n' },
    ],
    'symlink-escape-rel': [
      ok,
      { path: 'rel', type: 'symlink', linkname: `${DEEP_UP}${hostileTarget.slice(1)}` },
      { path: 'rel/pwned-rel', content: 'escaped\n' },
    ],
    'hardlink-escape': [
      ok,
      { path: 'shadow', type: 'link', linkname: '../../etc/shadow' },
      { path: 'secret', type: 'link', linkname: `${DEEP_UP}${hostileSecret.slice(1)}` },
      { path: 'secret-abs', type: 'link', linkname: hostileSecret },
    ],
    device: [ok, { path: 'dev-sda', type: 'character-device', devmajor: 8, devminor: 0, mode: 0o660 }],
    bomb: [ok, { path: 'zeros', content: Buffer.alloc(64 * 1024 * 1024) }],
  };
  const hostEscapes: Record<HostileKind, string[]> = {
    traversal: [join(hostileTarget, 'traversal')],
    absolute: [join(hostileTarget, 'absolute')],
    'symlink-escape': [join(hostileTarget, 'pwned')],
    'symlink-escape-rel': [join(hostileTarget, 'pwned-rel')],
    'hardlink-escape': [],
    device: [],
    bomb: [],
  };

  // --- layers (concurrently) -------------------------------------------------------------------
  const hostileKinds = Object.keys(hostileEntries) as HostileKind[];
  const [single, m1, m2, m3, rich, zstd, amdMarker, armMarker, ...hostileLayers] = await Promise.all([
    makeLayer(singleEntries, 'gzip'),
    makeLayer(multi1, 'gzip'),
    makeLayer(multi2, 'gzip'),
    makeLayer(multi3, 'none'),
    makeLayer(richEntries, 'gzip'),
    makeLayer(singleEntries, 'zstd'),
    makeLayer(archMarker('amd64'), 'gzip'),
    makeLayer(archMarker('arm64'), 'gzip'),
    ...hostileKinds.map((k) => makeLayer(hostileEntries[k], 'gzip')),
  ]);

  // --- images ----------------------------------------------------------------------------------
  const singleFx = fixture(dir, 'single', { layers: [single], config: { ...baseConfig(), history: history({ by: 'busybox' }) } }, [singleEntries]);

  const multiFx = fixture(
    dir,
    'multi',
    {
      layers: [m1, m2, m3],
      config: {
        ...baseConfig(),
        history: history({ by: 'layer 1: busybox and files' }, { by: 'ENV nothing', empty: true }, { by: 'layer 2: whiteouts, links, owner, xattr' }, { by: 'layer 3: one more file' }),
      },
    },
    [multi1, multi2, multi3],
    ['/etc/removed.txt', '/opt/old/a.txt', '/opt/old/sub', '/etc/.wh.removed.txt', '/opt/old/.wh..wh..opq'],
  );

  const richConfig: Record<string, unknown> = {
    created: '2024-02-03T04:05:06Z',
    author: 'berth tests',
    architecture: 'amd64',
    os: 'linux',
    config: {
      User: '1000:1000',
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Env: [DEFAULT_PATH, 'FOO=bar', 'WITH_EQUALS=a=b', 'EMPTY='],
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['echo hello'],
      Volumes: { '/data': {} },
      WorkingDir: '/work',
      Labels: { 'org.example.a': '1', maintainer: 'berth' },
      StopSignal: 'SIGQUIT',
      Healthcheck: {
        Test: ['CMD', 'true'],
        Interval: 30_000_000_000,
        Timeout: 5_000_000_000,
        StartPeriod: 1_000_000_000,
        Retries: 3,
      },
    },
    history: history({ by: 'busybox, /work, /data' }),
  };
  const richFx = fixture(dir, 'rich', { layers: [rich], config: richConfig }, [richEntries]);

  const zstdFx = fixture(dir, 'zstd', { layers: [zstd], config: { ...baseConfig(), history: history({ by: 'busybox (zstd)' }) } }, [singleEntries]);

  const dockerFx = fixture(
    dir,
    'docker',
    {
      flavor: 'docker',
      layers: [withMediaType(single, MEDIA_TYPES.dockerLayerGzip)],
      config: { ...baseConfig(), history: history({ by: 'busybox (docker schema2)' }) },
    },
    [singleEntries],
  );

  const multiarchFx = (async (): Promise<MultiarchFixture> => {
    const fx = await fixture(
      dir,
      'multiarch',
      [
        { layers: [single, amdMarker], config: { ...baseConfig('amd64'), history: history({ by: 'busybox' }, { by: 'amd64 marker' }) } },
        { layers: [single, armMarker], config: { ...baseConfig('arm64'), history: history({ by: 'busybox' }, { by: 'arm64 marker' }) } },
      ],
      [singleEntries, archMarker('amd64')],
    );
    const platforms: MultiarchFixture['platforms'] = {};
    for (const [img, arch] of [
      [fx.images[0], 'amd64'],
      [fx.images[1], 'arm64'],
    ] as const) {
      platforms[`linux/${arch}`] = { ...img, arch, files: expectedTree([singleEntries, archMarker(arch)]) };
    }
    return { ...fx, platforms };
  })();

  const hostileFx = Promise.all(
    hostileKinds.map(async (kind, i): Promise<HostileFixture> => {
      const layer = hostileLayers[i];
      const dirName = `hostile-${kind}`;
      const d = join(dir, dirName);
      const info = await writeOciLayout(d, { layers: [layer], config: { ...baseConfig(), history: history({ by: `hostile ${kind}` }) } });
      const img = info.images[0];
      return {
        ...info,
        name: dirName,
        kind,
        ociRef: `oci:${d}:${info.tag}`,
        manifestDigest: img.manifestDigest,
        configDigest: img.configDigest,
        layers: img.layers,
        diffIds: img.diffIds,
        files: [],
        absent: hostEscapes[kind],
        entries: layer.entries,
        hostEscapes: hostEscapes[kind],
        relativeEscapes: kind === 'traversal' ? ['../../escape'] : [],
      };
    }),
  );

  const [s, m, r, z, dk, ma, hs] = await Promise.all([singleFx, multiFx, richFx, zstdFx, dockerFx, multiarchFx, hostileFx]);
  const hostile = Object.fromEntries(hs.map((h) => [h.kind, h])) as Record<HostileKind, HostileFixture>;
  const bbStat = await stat(BUSYBOX_PATH);
  return {
    root: dir,
    busybox: { path: BUSYBOX_PATH, size: bbStat.size, sha256: sha256(busybox) },
    single: s,
    multi: m,
    rich: r,
    zstd: z,
    docker: dk,
    multiarch: ma,
    hostile,
    hostileTarget,
    hostileSecret,
    all: { single: s, multi: m, rich: r, zstd: z, docker: dk, multiarch: ma },
  };
}
