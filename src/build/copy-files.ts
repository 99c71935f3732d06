// COPY and ADD into a step's mounted root filesystem. Destinations resolve the way the image
// sees them (symlinks followed inside the rootfs, never out of it); copied files keep their
// mode and modification time and belong to 0:0 unless --chown says otherwise; a directory
// source copies its contents; ADD unpacks local tar archives (plain, gzip, bzip2, xz).
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, createReadStream, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, readSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { resolveInRoot, unpackInto } from '../containers/copy.js';

export class CopyError extends Error {}

export interface Owner {
  uid: number;
  gid: number;
}

/** One thing to copy: a file, symlink or directory on the host, and the entries below it. */
export interface SourceItem {
  /** the name the source has (its basename), used when the destination is a directory */
  name: string;
  abs: string;
  st: Stats;
  /** the entries below a directory, relative to it, parents first */
  children: Array<{ rel: string; abs: string; st: Stats }>;
  /** COPY --parents: where under the destination it goes (its source path) */
  target?: string;
}

export interface CopyPlan {
  items: SourceItem[];
  /** absolute destination inside the image (a trailing / means a directory) */
  dest: string;
  /** several sources, or a wildcard: the destination must be a directory */
  multiple: boolean;
  owner?: Owner;
  chmod?: number;
  /** ADD: unpack local archives */
  unpack: boolean;
}

/** Entries below a host directory, parents first (COPY --from a stage or image). */
export function walkTree(abs: string): Array<{ rel: string; abs: string; st: Stats }> {
  const out: Array<{ rel: string; abs: string; st: Stats }> = [];
  const visit = (rel: string) => {
    for (const n of readdirSync(rel ? join(abs, rel) : abs).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join(abs, r));
      out.push({ rel: r, abs: join(abs, r), st });
      if (st.isDirectory()) visit(r);
    }
  };
  visit('');
  return out;
}

type ArchiveKind = 'tar' | 'gzip' | 'bzip2' | 'xz';

function archiveKind(abs: string): ArchiveKind | undefined {
  const buf = Buffer.alloc(512);
  const fd = openSync(abs, 'r');
  let n: number;
  try {
    n = readSync(fd, buf, 0, 512, 0);
  } finally {
    closeSync(fd);
  }
  if (n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return 'gzip';
  if (n >= 3 && buf.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (n >= 6 && buf.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (n >= 262 && buf.toString('latin1', 257, 262) === 'ustar') return 'tar';
  return undefined;
}

function decompressed(abs: string, kind: ArchiveKind): Readable {
  const file = createReadStream(abs);
  if (kind === 'tar') return file;
  if (kind === 'gzip') return file.pipe(createGunzip());
  const child = spawn(kind, ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
  file.pipe(child.stdin);
  return child.stdout;
}

export class RootWriter {
  constructor(
    private readonly rootfs: string,
    private readonly plan: Pick<CopyPlan, 'owner' | 'chmod'>,
  ) {}

  /** The host path for `path` inside the image, with its parent directories made. */
  private place(path: string): string {
    const parent = resolveInRoot(this.rootfs, posix.dirname(path), true);
    this.mkdirs(parent);
    return join(parent, posix.basename(path));
  }

  private mkdirs(abs: string): void {
    const missing: string[] = [];
    for (let p = abs; p.length > this.rootfs.length && !lstatSync(p, { throwIfNoEntry: false }); p = dirname(p)) missing.unshift(p);
    for (const p of missing) {
      mkdirSync(p, { mode: 0o755 });
      if (this.plan.owner) lchownSync(p, this.plan.owner.uid, this.plan.owner.gid);
    }
  }

  private finish(target: string, st: { mode: number; mtime: Date }, isLink: boolean): void {
    const o = this.plan.owner ?? { uid: 0, gid: 0 };
    lchownSync(target, o.uid, o.gid);
    if (!isLink) chmodSync(target, this.plan.chmod ?? st.mode & 0o7777);
    lutimesSync(target, st.mtime, st.mtime);
  }

  /** Put one host entry at `path` (inside the image), replacing a non-directory there. */
  entry(path: string, src: { abs: string; st: Stats }): void {
    const target = this.place(path);
    const existing = lstatSync(target, { throwIfNoEntry: false });
    if (src.st.isDirectory()) {
      if (existing && !existing.isDirectory()) rmSync(target, { force: true });
      if (!existing?.isDirectory()) mkdirSync(target);
      this.finish(target, src.st, false);
      return;
    }
    if (existing?.isDirectory()) throw new CopyError(`cannot replace the directory ${path} with a file`);
    if (existing) rmSync(target, { force: true });
    if (src.st.isSymbolicLink()) {
      symlinkSync(readlinkSync(src.abs), target);
      this.finish(target, src.st, true);
    } else if (src.st.isFile()) {
      copyFileSync(src.abs, target);
      this.finish(target, src.st, false);
    }
    // Sockets, fifos and device nodes in a context are skipped, as docker skips them.
  }

  /** Make `path` a directory (with its parents) unless it is one. */
  dir(path: string): void {
    this.mkdirs(resolveInRoot(this.rootfs, path, true));
  }

  file(path: string, content: string | Buffer, mode: number, mtime = new Date()): void {
    const target = this.place(path);
    const existing = lstatSync(target, { throwIfNoEntry: false });
    if (existing?.isDirectory()) throw new CopyError(`cannot replace the directory ${path} with a file`);
    if (existing) rmSync(target, { force: true });
    writeFileSync(target, content, { mode: 0o600 });
    this.finish(target, { mode, mtime }, false);
  }

  /** Whether `path` inside the image is an existing directory. */
  isDir(path: string): boolean {
    return lstatSync(resolveInRoot(this.rootfs, path, true), { throwIfNoEntry: false })?.isDirectory() ?? false;
  }

  async unpack(path: string, archive: string, kind: ArchiveKind): Promise<void> {
    const dir = resolveInRoot(this.rootfs, path, true);
    this.mkdirs(dir);
    await unpackInto(decompressed(archive, kind), dir, { owners: !this.plan.owner });
  }
}

export async function copyInto(rootfs: string, plan: CopyPlan): Promise<void> {
  const w = new RootWriter(rootfs, plan);
  const destIsDir = plan.dest.endsWith('/') || plan.multiple;
  if (plan.multiple && !plan.dest.endsWith('/')) throw new CopyError('When using COPY with more than one source file, the destination must be a directory and end with a /');
  const dest = plan.dest.replace(/\/+$/, '') || '/';
  for (const item of plan.items) {
    if (item.st.isDirectory()) {
      // The directory's contents go in; the destination directory itself keeps what it had.
      const base = item.target ? posix.join(dest, item.target) : dest;
      w.dir(base);
      for (const c of item.children) w.entry(posix.join(base, c.rel), c);
      continue;
    }
    if (item.target) {
      w.entry(posix.join(dest, item.target), item);
      continue;
    }
    if (plan.unpack && item.st.isFile()) {
      const kind = archiveKind(item.abs);
      if (kind) {
        await w.unpack(dest, item.abs, kind);
        continue;
      }
    }
    const into = destIsDir || w.isDir(dest);
    w.entry(into ? posix.join(dest, item.name) : dest, item);
  }
}

