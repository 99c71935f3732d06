// Applying a layer (an OCI changeset tar) into an empty snapshot directory, in the form
// overlayfs reads: OCI whiteouts (.wh.NAME) become 0:0 character devices, opaque markers
// (.wh..wh..opq) become the trusted.overlay.opaque xattr on their directory.
//
// Hostile archives are refused, never half-applied into a live snapshot (the caller
// extracts into a temporary directory and renames it only on success):
//   - absolute names or any `..` component;
//   - any entry whose parent path passes through a symlink (that is how a layer writes
//     outside the root), and hardlinks whose target is outside this layer;
//   - device nodes (block or character) other than whiteouts;
//   - entries or a whole layer larger than the configured maximum (decompression bombs);
//   - xattrs in the trusted.overlay.* namespace, which would forge whiteouts.
import { opaqueXattr } from './overlay-xattr.js';
import { closeSync, fchmodSync, fchownSync, futimesSync, linkSync, lutimesSync, mkdirSync, openSync, rmSync, symlinkSync, writeSync, chmodSync, lchownSync, utimesSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { BerthError } from '../errors.js';
import { mkfifo, mknodWhiteout } from '../platform/fsnodes.js';
import { xattr } from '../util/native.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

export interface ApplyOptions {
  /** Refuse entries and layers larger than this many bytes. */
  maxSize: number;
  /** Apply owners from the archive (needs CAP_CHOWN or a user namespace). */
  chown: boolean;
  /** Names the layer in error messages. */
  label: string;
}

export interface ApplyResult {
  entries: number;
}

type NodeKind = 'dir' | 'file' | 'symlink' | 'other';

export class HostileLayerError extends BerthError {
  constructor(label: string, why: string) {
    super('corrupt', `refusing layer ${label}: ${why}`);
  }
}

/** Split and check an archive path. Returns its components, or [] for the root itself. */
export function safeComponents(name: string, label: string): string[] {
  if (name.startsWith('/')) throw new HostileLayerError(label, `absolute path "${name}"`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new HostileLayerError(label, `path traversal in "${name}"`);
  for (const p of parts) if (p.includes('\0')) throw new HostileLayerError(label, `NUL byte in "${name}"`);
  return parts;
}

export async function applyLayer(input: Readable, dest: string, opts: ApplyOptions): Promise<ApplyResult> {
  const { label } = opts;
  // New files already belong to us: only owners that differ cost a chown.
  const myUid = process.geteuid?.() ?? 0;
  const myGid = process.getegid?.() ?? 0;
  const needsChown = (h: tar.Header) => opts.chown && ((h.uid ?? 0) !== myUid || (h.gid ?? 0) !== myGid);
  // Rootless, an owner outside the user's subordinate range cannot be set (EINVAL): the file
  // is kept, owned by root of the namespace, as podman does without --userns mappings.
  const own = (set: (uid: number, gid: number) => void, h: tar.Header) => {
    try {
      set(h.uid ?? 0, h.gid ?? 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
      set(0, 0);
    }
  };
  const kinds = new Map<string, NodeKind>([['', 'dir']]);
  const dirTimes: Array<[string, Date]> = [];
  const opaque: string[] = [];
  const whiteouts: string[] = [];
  const fifos: Array<[string, number]> = [];
  let total = 0;
  let entries = 0;

  const ensureParents = (parts: string[]): string => {
    let rel = '';
    for (let i = 0; i < parts.length - 1; i++) {
      rel = rel ? `${rel}/${parts[i]}` : parts[i];
      const k = kinds.get(rel);
      if (k === 'dir') continue;
      if (k === 'symlink') throw new HostileLayerError(label, `"${parts.join('/')}" is written through the symlink "${rel}"`);
      if (k) throw new HostileLayerError(label, `"${parts.join('/')}" has a non-directory parent "${rel}"`);
      mkdirSync(join(dest, rel), { mode: 0o755 });
      kinds.set(rel, 'dir');
    }
    return parts.join('/');
  };

  const clear = (rel: string, keepDir: boolean): void => {
    const k = kinds.get(rel);
    if (!k) return;
    if (k === 'dir' && keepDir) return;
    rmSync(join(dest, rel), { recursive: true, force: true });
    for (const key of [...kinds.keys()]) if (key === rel || key.startsWith(rel + '/')) kinds.delete(key);
  };

  const extract = tar.extract();
  input.on('error', (e) => extract.destroy(e));
  input.pipe(extract as unknown as NodeJS.WritableStream);

  for await (const entry of extract) {
    const h = entry.header;
    entries++;
    const parts = safeComponents(h.name, label);
    const size = h.size ?? 0;
    if (size > opts.maxSize || (total += size) > opts.maxSize) {
      throw new HostileLayerError(label, `uncompressed size exceeds the limit of ${opts.maxSize} bytes`);
    }
    if (parts.length === 0) {
      entry.resume();
      continue;
    }
    const base = parts[parts.length - 1];
    const rel = ensureParents(parts);
    const abs = join(dest, rel);

    if (base === OPAQUE_MARKER) {
      const dir = parts.slice(0, -1).join('/');
      if (dir === '') throw new HostileLayerError(label, 'opaque marker at the layer root');
      if (!kinds.has(dir)) {
        mkdirSync(join(dest, dir), { mode: 0o755 });
        kinds.set(dir, 'dir');
      }
      opaque.push(join(dest, dir));
      entry.resume();
      continue;
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const target = [...parts.slice(0, -1), base.slice(WHITEOUT_PREFIX.length)].join('/');
      safeComponents(target, label);
      clear(target, false);
      kinds.set(target, 'other');
      whiteouts.push(join(dest, target));
      entry.resume();
      continue;
    }

    const mode = (h.mode ?? 0o644) & 0o7777;
    const mtime = h.mtime ?? new Date(0);
    switch (h.type) {
      case 'directory': {
        clear(rel, true);
        if (!kinds.has(rel)) mkdirSync(abs, { mode: 0o700 });
        kinds.set(rel, 'dir');
        chmodSync(abs, mode);
        if (needsChown(h)) own((u, g) => lchownSync(abs, u, g), h);
        dirTimes.push([abs, mtime]);
        entry.resume();
        break;
      }
      case 'file':
      case 'contiguous-file': {
        clear(rel, false);
        const fd = openSync(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        try {
          let got = 0;
          for await (const chunk of entry as AsyncIterable<Buffer>) {
            let off = 0;
            while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
            got += chunk.length;
          }
          if (got !== size) throw new HostileLayerError(label, `truncated entry "${rel}"`);
          if (needsChown(h)) own((u, g) => fchownSync(fd, u, g), h);
          fchmodSync(fd, mode);
          futimesSync(fd, mtime, mtime);
        } finally {
          closeSync(fd);
        }
        kinds.set(rel, 'file');
        break;
      }
      case 'symlink': {
        clear(rel, false);
        if (!h.linkname) throw new HostileLayerError(label, `symlink "${rel}" has no target`);
        symlinkSync(h.linkname, abs);
        if (needsChown(h)) own((u, g) => lchownSync(abs, u, g), h);
        lutimesSync(abs, mtime, mtime);
        kinds.set(rel, 'symlink');
        entry.resume();
        break;
      }
      case 'link': {
        const target = safeComponents(h.linkname ?? '', label).join('/');
        const tk = kinds.get(target);
        if (tk !== 'file' && tk !== 'symlink' && tk !== 'other') {
          throw new HostileLayerError(label, `hardlink "${rel}" points to "${h.linkname}", which is not a file in this layer`);
        }
        ensureParents(target.split('/'));
        clear(rel, false);
        linkSync(join(dest, target), abs);
        kinds.set(rel, tk);
        entry.resume();
        break;
      }
      case 'fifo': {
        clear(rel, false);
        kinds.set(rel, 'other');
        fifos.push([abs, mode]);
        entry.resume();
        break;
      }
      case 'character-device':
      case 'block-device': {
        if (h.type === 'character-device' && h.devmajor === 0 && h.devminor === 0) {
          clear(rel, false);
          kinds.set(rel, 'other');
          whiteouts.push(abs);
          entry.resume();
          break;
        }
        throw new HostileLayerError(label, `device node "${rel}" (${h.type} ${h.devmajor}:${h.devminor})`);
      }
      default:
        throw new HostileLayerError(label, `unsupported entry type ${h.type} for "${rel}"`);
    }
    const kind = kinds.get(rel);
    if (kind === 'dir' || kind === 'file') await applyXattrs(abs, h.pax as Record<string, string> | undefined, label);
  }

  await Promise.all([...whiteouts.map((p) => mknodWhiteout(p)), ...fifos.map(([p, m]) => mkfifo(p, m))]);
  if (opaque.length) {
    const { setAttributeSync } = xattr();
    for (const dir of opaque) setAttributeSync(dir, opaqueXattr(), 'y');
  }
  for (let i = dirTimes.length - 1; i >= 0; i--) utimesSync(dirTimes[i][0], dirTimes[i][1], dirTimes[i][1]);
  return { entries };
}

async function applyXattrs(abs: string, pax: Record<string, string> | null | undefined, label: string): Promise<void> {
  if (!pax) return;
  const attrs = Object.entries(pax).filter(([k]) => k.startsWith('SCHILY.xattr.'));
  if (!attrs.length) return;
  const { setAttributeSync } = xattr();
  for (const [k, v] of attrs) {
    const name = k.slice('SCHILY.xattr.'.length);
    if (name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.')) throw new HostileLayerError(label, `forbidden xattr ${name} on "${abs}"`);
    try {
      setAttributeSync(abs, name, Buffer.from(v, 'binary'));
    } catch (e) {
      // Unprivileged callers cannot set trusted.* or security.* attributes: keep going, as docker does rootless.
      if (!/EPERM|ENOTSUP|Operation not permitted|not supported/i.test(String(e))) throw e;
    }
  }
}
