// The build context: a directory (read in place) or a tar (unpacked once to a private
// directory), seen through .dockerignore. COPY and ADD find their sources here, and the
// cache keys of those steps come from the content of exactly the files they read.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, rmSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { unpackInto } from '../containers/copy.js';
import { IgnoreMatcher, parseIgnoreFile } from './dockerignore.js';
import { globToRegExp } from '../images/filters.js';

export class BuildInputError extends Error {}

export interface ContextEntry {
  /** path relative to the context root */
  rel: string;
  abs: string;
  st: Stats;
}

const WILDCARD = /[*?[]/;

/** A COPY/ADD source cleaned to a context-relative path; one that leaves the context is refused. */
export function contextPath(src: string): string {
  const n = posix.normalize(src.replace(/^\/+/, ''));
  if (n === '..' || n.startsWith('../')) throw new BuildInputError(`forbidden path outside the build context: ${src}`);
  return n === '.' || n === './' ? '' : n.replace(/\/$/, '');
}

export class BuildContext {
  private readonly hashes = new Map<string, string>();
  private listing?: string[];

  private constructor(
    readonly dir: string,
    readonly ignore: IgnoreMatcher,
    private readonly owned: boolean,
  ) {}

  /** A directory context; `dockerfile` (absolute) picks the Dockerfile-specific ignore file. */
  static fromDirectory(dir: string, dockerfile?: string): BuildContext {
    if (!existsSync(dir) || !lstatSync(dir).isDirectory()) throw new BuildInputError(`unable to prepare context: path "${dir}" not found`);
    return new BuildContext(dir, readIgnore(dir, dockerfile), false);
  }

  /** A tar context (`build -`), unpacked under `tmpRoot`. */
  static async fromTar(input: Readable, tmpRoot: string, dockerfileRel = 'Dockerfile'): Promise<BuildContext> {
    mkdirSync(tmpRoot, { recursive: true, mode: 0o700 });
    const dir = mkdtempSync(join(tmpRoot, 'context-'));
    try {
      await unpackInto(plainTar(input), dir, { owners: false });
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw new BuildInputError(`reading the build context from the tar stream: ${(e as Error).message}`);
    }
    return new BuildContext(dir, readIgnore(dir, join(dir, dockerfileRel)), true);
  }

  /** No context at all (`build - < Dockerfile`): COPY finds nothing. */
  static empty(tmpRoot: string): BuildContext {
    mkdirSync(tmpRoot, { recursive: true, mode: 0o700 });
    return new BuildContext(mkdtempSync(join(tmpRoot, 'context-')), new IgnoreMatcher([]), true);
  }

  dispose(): void {
    if (this.owned) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every path in the context that .dockerignore lets through, parents before children. */
  all(): string[] {
    if (this.listing) return this.listing;
    const out: string[] = [];
    const visit = (rel: string) => {
      for (const name of readdirSync(rel ? join(this.dir, rel) : this.dir).sort()) {
        const r = rel ? `${rel}/${name}` : name;
        const st = lstatSync(join(this.dir, r));
        const ignored = this.ignore.ignored(r);
        if (!ignored) out.push(r);
        // An ignored directory may still hold re-included (`!`) paths.
        if (st.isDirectory() && (!ignored || this.ignore.hasExclusions)) visit(r);
      }
    };
    visit('');
    return (this.listing = out);
  }

  /** The context paths a COPY source names (wildcards expanded); none is an error. */
  match(src: string): string[] {
    const rel = contextPath(src);
    if (!WILDCARD.test(rel)) {
      const st = lstatSync(join(this.dir, rel), { throwIfNoEntry: false });
      if (!st || (rel && this.ignore.ignored(rel))) throw new BuildInputError(`"/${rel}": not found in the build context (or excluded by .dockerignore)`);
      return [rel];
    }
    let re: RegExp;
    try {
      re = globToRegExp(rel);
    } catch {
      throw new BuildInputError(`invalid pattern "${src}": an unclosed [`);
    }
    const hits = this.all().filter((p) => re.test(p));
    if (!hits.length) throw new BuildInputError(`no source files were specified by "${src}" (nothing in the build context matches it, or .dockerignore excludes it)`);
    return hits;
  }

  /** `rel` and, for a directory, everything below it that is not ignored. */
  entries(rel: string): ContextEntry[] {
    const abs = rel ? join(this.dir, rel) : this.dir;
    const st = lstatSync(abs);
    const out: ContextEntry[] = [{ rel, abs, st }];
    if (st.isDirectory()) {
      const prefix = rel ? `${rel}/` : '';
      for (const p of this.all()) if (p.startsWith(prefix) && p !== rel) out.push({ rel: p, abs: join(this.dir, p), st: lstatSync(join(this.dir, p)) });
    }
    return out;
  }

  /** A digest of what the sources hold: names, types, modes, link targets and file contents. */
  digest(sources: string[]): string {
    const h = createHash('sha256');
    for (const src of sources) {
      for (const e of this.entries(src)) {
        const kind = e.st.isDirectory() ? 'd' : e.st.isSymbolicLink() ? 'l' : e.st.isFile() ? 'f' : 'o';
        h.update(`${e.rel}\0${kind}\0${e.st.mode & 0o7777}\0`);
        if (kind === 'l') h.update(readlinkSync(e.abs));
        if (kind === 'f') h.update(this.fileHash(e.abs, e.st));
        h.update('\n');
      }
    }
    return h.digest('hex');
  }

  private fileHash(abs: string, st: Stats): string {
    const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    let v = this.hashes.get(key);
    if (!v) {
      const h = createHash('sha256');
      const fd = openSync(abs, 'r');
      try {
        const buf = Buffer.allocUnsafe(1 << 20);
        for (;;) {
          const n = readSync(fd, buf, 0, buf.length, null);
          if (!n) break;
          h.update(buf.subarray(0, n));
        }
      } finally {
        closeSync(fd);
      }
      v = h.digest('hex');
      this.hashes.set(key, v);
    }
    return v;
  }
}

/**
 * A context tar as a plain tar: `docker build --compress` sends it gzipped, and a user may pipe
 * it gzipped, bzip2'd or xz'd, as docker accepts (bzip2 and xz through their Debian tools).
 */
function plainTar(body: Readable): Readable {
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return Readable.from(
    (async function* () {
      const first = await it.next();
      if (first.done) return;
      const all = async function* () {
        yield first.value;
        for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
      };
      const head = first.value;
      if (head[0] === 0x1f && head[1] === 0x8b) yield* Readable.from(all()).pipe(createGunzip());
      else if (head.subarray(0, 3).toString('latin1') === 'BZh') yield* decompress('bzip2', Readable.from(all()));
      else if (head.subarray(0, 6).equals(XZ_MAGIC)) yield* decompress('xz', Readable.from(all()));
      else yield* all();
    })(),
  );
}

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

async function* decompress(tool: 'bzip2' | 'xz', input: Readable): AsyncGenerator<Buffer> {
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      stderr ||= e.message;
      resolve(null);
    });
    child.on('close', (code) => resolve(code));
  });
  input.pipe(child.stdin).on('error', () => undefined);
  for await (const chunk of child.stdout) yield chunk as Buffer;
  if ((await exited) !== 0) throw new BuildInputError(`the build context is not valid ${tool} data: ${stderr.trim() || 'the decompressor failed'}`);
}

/**
 * The Dockerfile a build names, found as docker finds it: `given` relative to the current
 * directory (`fromCwd`, a directory context; `Dockerfile` falls back to the context's) or to
 * the context (a tar), or absolute; with the name builds show for it (its path in the
 * context, or its base name when it lies outside).
 */
export function locateDockerfile(contextDir: string, given: string, fromCwd: boolean): { path: string; name: string } {
  const file = isAbsolute(given) ? given : fromCwd ? resolve(given) : join(contextDir, given);
  const fallback = fromCwd && given === 'Dockerfile' ? join(contextDir, 'Dockerfile') : file;
  const path = existsSync(file) ? file : fallback;
  if (!existsSync(path)) throw new BuildInputError(`failed to read dockerfile: open ${basename(given)}: no such file or directory`);
  const rel = relative(contextDir, path);
  return { path, name: rel.startsWith('..') ? basename(path) : rel };
}

/** The ignore file a build reads: `<Dockerfile>.dockerignore` beside the Dockerfile wins over the context's .dockerignore. */
export function ignoreFile(dir: string, dockerfile?: string): string | undefined {
  const candidates = [...(dockerfile ? [join(dirname(dockerfile), `${basename(dockerfile)}.dockerignore`)] : []), join(dir, '.dockerignore')];
  return candidates.find((f) => existsSync(f));
}

function readIgnore(dir: string, dockerfile?: string): IgnoreMatcher {
  const f = ignoreFile(dir, dockerfile);
  return new IgnoreMatcher(f ? parseIgnoreFile(readFileSync(f, 'utf8')) : []);
}
