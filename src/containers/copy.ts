// Copying files between the host and a container's root filesystem (`cp`, `export`).
// Paths inside the container resolve as the container sees them: symlinks are followed
// within the rootfs, never out of it. Writes into the container go through a tar stream and
// refuse any entry whose parent on disk is a symlink, so a container cannot redirect a copy
// onto the host.
import { closeSync, createReadStream, existsSync, futimesSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeSync, fchownSync, fchmodSync, constants, type Stats } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { invalid, notFound } from '../errors.js';
import { safeComponents } from '../storage/layer-apply.js';

/** Resolve `path` inside `root` the way the container would (chroot semantics). */
export function resolveInRoot(root: string, path: string, followFinal: boolean): string {
  const parts = posix.normalize('/' + path).split('/').filter(Boolean);
  const out: string[] = [];
  let hops = 0;
  while (parts.length) {
    const part = parts.shift()!;
    if (part === '..') {
      out.pop();
      continue;
    }
    if (part === '.') continue;
    const candidate = join(root, ...out, part);
    let st: Stats | undefined;
    try {
      st = lstatSync(candidate);
    } catch {
      st = undefined;
    }
    if (st?.isSymbolicLink() && (parts.length > 0 || followFinal)) {
      if (++hops > 40) throw invalid(`too many levels of symbolic links in ${path}`);
      const target = readlinkSync(candidate);
      if (target.startsWith('/')) out.length = 0;
      parts.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    out.push(part);
  }
  return join(root, ...out);
}

/** A tar of `abs` (file or directory tree), its top entry named `name`. Symlinks are not followed. */
export function packPath(abs: string, name: string, opts: { owners: boolean } = { owners: true }): Readable {
  const pack = tar.pack();
  (async () => {
    const visit = async (p: string, rel: string) => {
      const st = lstatSync(p);
      const h = { name: rel, mode: st.mode & 0o7777, mtime: st.mtime, uid: opts.owners ? st.uid : 0, gid: opts.owners ? st.gid : 0 };
      if (st.isDirectory()) {
        await new Promise<void>((res, rej) => pack.entry({ ...h, name: `${rel}/`, type: 'directory' }, (e) => (e ? rej(e) : res())));
        for (const n of readdirSync(p).sort()) await visit(join(p, n), `${rel}/${n}`);
      } else if (st.isSymbolicLink()) {
        await new Promise<void>((res, rej) => pack.entry({ ...h, type: 'symlink', linkname: readlinkSync(p) }, (e) => (e ? rej(e) : res())));
      } else if (st.isFile()) {
        await new Promise<void>((res, rej) => {
          const entry = pack.entry({ ...h, type: 'file', size: st.size }, (e) => (e ? rej(e) : res()));
          const src = createReadStream(p);
          src.on('error', rej);
          src.pipe(entry as unknown as NodeJS.WritableStream);
        });
      }
    };
    await visit(abs, name);
    pack.finalize();
  })().catch((e: unknown) => pack.destroy(e as Error));
  return pack as unknown as Readable;
}

/**
 * Unpack a tar into `dest` (an existing directory), replacing what is there. The top entry
 * may be renamed (`rename`), as `cp SRC DEST` does when DEST is a new name.
 */
export async function unpackInto(input: Readable, dest: string, opts: { rename?: string; owners: boolean }): Promise<void> {
  const ex = tar.extract();
  input.pipe(ex as unknown as NodeJS.WritableStream);
  input.on('error', (e) => ex.destroy(e));
  const times: Array<[string, Date]> = [];
  for await (const entry of ex) {
    const h = entry.header;
    const parts = safeComponents(h.name, 'copy');
    if (!parts.length) {
      entry.resume();
      continue;
    }
    if (opts.rename) parts[0] = opts.rename;
    // No component below dest may be a symlink: that is how a write escapes.
    let at = dest;
    for (const p of parts.slice(0, -1)) {
      at = join(at, p);
      const st = lstatSync(at, { throwIfNoEntry: false });
      if (st?.isSymbolicLink()) throw invalid(`refusing to write through the symlink ${at}`);
      if (!st) mkdirSync(at, { mode: 0o755 });
    }
    const target = join(dest, ...parts);
    const existing = lstatSync(target, { throwIfNoEntry: false });
    const mode = (h.mode ?? 0o644) & 0o7777;
    const mtime = h.mtime ?? new Date();
    if (h.type === 'directory') {
      if (existing && !existing.isDirectory()) rmSync(target, { force: true });
      if (!existing || !existing.isDirectory()) mkdirSync(target, { mode });
      times.push([target, mtime]);
      entry.resume();
      continue;
    }
    if (existing) rmSync(target, { recursive: true, force: true });
    if (h.type === 'symlink') {
      symlinkSync(h.linkname ?? '', target);
      entry.resume();
    } else if (h.type === 'file' || h.type === 'contiguous-file') {
      const fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        for await (const c of entry as AsyncIterable<Buffer>) {
          let off = 0;
          while (off < c.length) off += writeSync(fd, c, off, c.length - off);
        }
        if (opts.owners) fchownSync(fd, h.uid ?? 0, h.gid ?? 0);
        fchmodSync(fd, mode);
        futimesSync(fd, mtime, mtime);
      } finally {
        closeSync(fd);
      }
    } else entry.resume();
  }
  for (const [p, t] of times.reverse()) {
    try {
      const fd = openSync(p, 'r');
      futimesSync(fd, t, t);
      closeSync(fd);
    } catch {
      /* best effort */
    }
  }
}

/** docker cp's naming rules: where the copy of `srcName` lands under a destination path. */
export function copyDestination(destPath: string, srcName: string, srcIsDir: boolean, destExistsAsDir: boolean, destExists: boolean, contentsOnly: boolean): { dir: string; rename?: string } {
  const where = copyRule(destPath, srcName, srcIsDir, destExistsAsDir, destExists, contentsOnly);
  if (where.dir !== destPath && !existsSync(where.dir)) throw notFound(`no such directory: ${where.dir}`);
  return where;
}

/**
 * The rules alone, for a destination known only by what a stat of it said (a remote
 * container's path): the directory to unpack into and the name the top entry takes there.
 */
export function copyRule(destPath: string, srcName: string, srcIsDir: boolean, destExistsAsDir: boolean, destExists: boolean, contentsOnly: boolean): { dir: string; rename?: string } {
  if (destExistsAsDir) return contentsOnly ? { dir: destPath, rename: '.' } : { dir: destPath };
  if (destExists && srcIsDir) throw invalid(`cannot copy a directory onto the file ${destPath}`);
  if (destPath.endsWith('/') && !destExists) {
    if (!srcIsDir) throw notFound(`destination directory ${destPath} does not exist`);
  }
  return { dir: dirname(destPath), rename: basename(destPath) || srcName };
}

/** A tar whose entries' first path component is `name` instead (cp into a new name, as unpackInto's rename). */
export function renameTop(input: Readable, name: string): Readable {
  return retar(input, (parts) => {
    if (parts.length) parts[0] = name;
    return parts.join('/') || name;
  });
}

/** A tar of a directory's contents (entries `./x`, as dockerd sends `DIR/.`) as a tar of the directory, named `name`. */
export function underTop(input: Readable, name: string): Readable {
  return retar(input, (parts) => [name, ...parts].join('/'));
}

/** The same tar with each entry renamed (its path's components without `.` and empty ones). */
function retar(input: Readable, rename: (parts: string[]) => string): Readable {
  const ex = tar.extract();
  const pack = tar.pack();
  input.on('error', (e) => pack.destroy(e));
  ex.on('error', (e) => pack.destroy(e));
  ex.on('entry', (h, stream, next) => {
    const renamed = rename(h.name.split('/').filter((p) => p !== '' && p !== '.'));
    const entry = pack.entry({ ...h, name: h.name.endsWith('/') ? `${renamed}/` : renamed }, (e) => (e ? pack.destroy(e) : next()));
    stream.pipe(entry as unknown as NodeJS.WritableStream);
  });
  ex.on('finish', () => pack.finalize());
  input.pipe(ex as unknown as NodeJS.WritableStream);
  return pack as unknown as Readable;
}
