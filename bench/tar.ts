// A minimal, deterministic ustar writer: enough for image layers made of regular files,
// directories and symlinks. Every header has uid/gid 0 and a fixed mtime, so the same
// input always gives the same bytes (and so the same digests).

export type TarType = 'file' | 'dir' | 'symlink';

export interface TarEntry {
  /** Relative path without a leading slash, e.g. "usr/bin/tool"; directories without a trailing one. */
  path: string;
  type: TarType;
  mode: number;
  /** Regular files only. */
  size?: number;
  /** Symlinks only. */
  linkname?: string;
  /** Seconds since the epoch. */
  mtime?: number;
}

/** 2024-01-01T00:00:00Z: all generated content carries this timestamp. */
export const FIXED_MTIME = 1704067200;

const BLOCK = 512;

function putString(buf: Buffer, offset: number, len: number, s: string): void {
  const b = Buffer.from(s, 'utf8');
  if (b.length > len) throw new Error(`tar: "${s}" is longer than ${len} bytes`);
  b.copy(buf, offset);
}

function putOctal(buf: Buffer, offset: number, len: number, n: number): void {
  const s = n.toString(8).padStart(len - 1, '0');
  if (s.length > len - 1) throw new Error(`tar: ${n} does not fit in ${len} octal digits`);
  putString(buf, offset, len, s + '\0');
}

/** Splits a path into ustar's prefix (<=155 bytes) and name (<=100 bytes) fields. */
function splitName(path: string): [prefix: string, name: string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

export function tarHeader(e: TarEntry): Buffer {
  const h = Buffer.alloc(BLOCK);
  const path = e.type === 'dir' ? `${e.path.replace(/\/+$/, '')}/` : e.path;
  const [prefix, name] = splitName(path);
  putString(h, 0, 100, name);
  putOctal(h, 100, 8, e.mode & 0o7777);
  putOctal(h, 108, 8, 0);
  putOctal(h, 116, 8, 0);
  putOctal(h, 124, 12, e.type === 'file' ? (e.size ?? 0) : 0);
  putOctal(h, 136, 12, e.mtime ?? FIXED_MTIME);
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  h[156] = (e.type === 'file' ? '0' : e.type === 'dir' ? '5' : '2').charCodeAt(0);
  if (e.type === 'symlink') putString(h, 157, 100, e.linkname ?? '');
  putString(h, 257, 6, 'ustar\0');
  putString(h, 263, 2, '00');
  putString(h, 265, 32, 'root');
  putString(h, 297, 32, 'root');
  putOctal(h, 329, 8, 0);
  putOctal(h, 337, 8, 0);
  putString(h, 345, 155, prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  putString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/** Zero bytes that pad a file body of this size to the next 512-byte boundary. */
export function tarPadding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** Two zero blocks end an archive. */
export function tarEnd(): Buffer {
  return Buffer.alloc(2 * BLOCK);
}

/** A whole (small) archive in memory. Entries are written in the order given. */
export function tarBuffer(entries: Array<TarEntry & { data?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const size = e.type === 'file' ? (e.data?.length ?? 0) : 0;
    parts.push(tarHeader({ ...e, size }));
    if (e.type === 'file' && e.data) parts.push(e.data, tarPadding(e.data.length));
  }
  parts.push(tarEnd());
  return Buffer.concat(parts);
}
