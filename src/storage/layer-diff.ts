// The inverse of layer application: a container's overlay upper directory as an OCI layer
// tar. Overlay whiteouts (0:0 character devices) become `.wh.NAME` entries and opaque
// directories (trusted.overlay.opaque=y) get a `.wh..wh..opq` entry; hardlinks inside the
// layer stay hardlinks. Used by commit (and build).
import { lstatSync, readdirSync, readlinkSync, createReadStream, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from './layer-apply.js';
import { xattr } from '../util/native.js';
import { opaqueXattr } from './overlay-xattr.js';

export type ChangeKind = 'A' | 'C' | 'D';

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/**
 * fuse-overlayfs (rootless, where the kernel's overlay cannot be used) marks an opaque
 * directory with a `.wh..wh..opq` file inside it (plus a `.wh..opq` whiteout) rather than an
 * xattr; both are markers, not content.
 */
function isFuseMarker(name: string, st: Stats): boolean {
  return (name === OPAQUE_MARKER && st.isFile() && st.size === 0) || (name === `${WHITEOUT_PREFIX}.opq` && isWhiteout(st));
}

function isOpaque(path: string): boolean {
  if (lstatSync(join(path, OPAQUE_MARKER), { throwIfNoEntry: false })?.isFile()) return true;
  try {
    return xattr().getAttributeSync(path, opaqueXattr())?.toString() === 'y';
  } catch {
    return false;
  }
}

/** Mount points the runtime creates in every container: not changes the user made. */
const RUNTIME_MOUNT_POINTS = new Set(['dev', 'proc', 'sys', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf', 'run/.containerenv']);

function isRuntimeMountPoint(rel: string, abs: string, st: Stats): boolean {
  if (!RUNTIME_MOUNT_POINTS.has(rel)) return false;
  return st.isDirectory() ? readdirSync(abs).every((n) => isFuseMarker(n, lstatSync(join(abs, n)))) : st.isFile() && st.size === 0;
}

/** Every path in the upper dir, parents first, sorted, with its stat. */
function walk(root: string): Array<{ rel: string; abs: string; st: Stats }> {
  const out: Array<{ rel: string; abs: string; st: Stats }> = [];
  const visit = (rel: string) => {
    const abs = rel ? join(root, rel) : root;
    for (const name of readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, r));
      if (isRuntimeMountPoint(r, join(root, r), st) || isFuseMarker(name, st)) continue;
      out.push({ rel: r, abs: join(root, r), st });
      if (st.isDirectory()) visit(r);
    }
  };
  visit('');
  return out;
}

/** `diff`: what the container changed, as docker lists it (A added, C changed, D deleted). */
export function upperChanges(upper: string, existsBelow: (rel: string) => boolean): Array<{ kind: ChangeKind; path: string }> {
  const entries = walk(upper);
  const out: Array<{ kind: ChangeKind; path: string }> = [];
  for (let i = 0; i < entries.length; i++) {
    const { rel, st } = entries[i];
    if (isWhiteout(st)) out.push({ kind: 'D', path: `/${rel}` });
    else if (!existsBelow(rel)) out.push({ kind: 'A', path: `/${rel}` });
    // A directory that was already there counts as changed only if something in it did.
    else if (!st.isDirectory() || entries[i + 1]?.rel.startsWith(`${rel}/`)) out.push({ kind: 'C', path: `/${rel}` });
  }
  return out;
}

export function diffTar(upper: string): Readable {
  const pack = tar.pack();
  const entries = walk(upper);
  const inodes = new Map<number, string>();
  (async () => {
    // Entries without content get an empty body: a bodiless file entry would wait forever.
    const add = (header: Partial<tar.Header> & { name: string }) => new Promise<void>((resolve, reject) => pack.entry(header, Buffer.alloc(0), (e) => (e ? reject(e) : resolve())));
    for (const { rel, abs, st } of entries) {
      const base = { uid: st.uid, gid: st.gid, mtime: st.mtime, mode: st.mode & 0o7777 };
      if (isWhiteout(st)) {
        const slash = rel.lastIndexOf('/');
        await add({ ...base, name: `${rel.slice(0, slash + 1)}${WHITEOUT_PREFIX}${rel.slice(slash + 1)}`, type: 'file', size: 0, mode: 0o600 });
        continue;
      }
      if (st.isDirectory()) {
        await add({ ...base, name: `${rel}/`, type: 'directory' });
        if (isOpaque(abs)) await add({ ...base, name: `${rel}/${OPAQUE_MARKER}`, type: 'file', size: 0, mode: 0o600 });
      } else if (st.isSymbolicLink()) {
        await add({ ...base, name: rel, type: 'symlink', linkname: readlinkSync(abs) });
      } else if (st.isFile()) {
        const first = st.nlink > 1 ? inodes.get(st.ino) : undefined;
        if (first) {
          await add({ ...base, name: rel, type: 'link', linkname: first });
          continue;
        }
        if (st.nlink > 1) inodes.set(st.ino, rel);
        await new Promise<void>((resolve, reject) => {
          const entry = pack.entry({ ...base, name: rel, type: 'file', size: st.size }, (e) => (e ? reject(e) : resolve()));
          const src = createReadStream(abs);
          src.on('error', reject);
          src.pipe(entry as unknown as NodeJS.WritableStream);
        });
      } else if (st.isFIFO()) {
        await add({ ...base, name: rel, type: 'fifo' });
      }
      // Sockets and device nodes are not carried into images.
    }
    pack.finalize();
  })().catch((e: unknown) => pack.destroy(e as Error));
  return pack as unknown as Readable;
}
