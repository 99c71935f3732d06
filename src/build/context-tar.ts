// A build context as a client sends it to an engine's POST /build: a tar of exactly what a
// local build would read from the directory (BuildContext: .dockerignore, or
// `<Dockerfile>.dockerignore`, applied the same way), plus what the engine needs to read it
// the same way: the Dockerfile and the ignore file, even when the ignore file excludes them
// (the engine applies it again to COPY and ADD, as a local build does). A Dockerfile from
// outside the context (or its text) goes in under the name a local build shows for it, with
// an ignore file of its own that hides both from COPY.
import { createReadStream, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { BuildContext, ignoreFile, locateDockerfile } from './context.js';

export interface ContextTar {
  tar: Readable;
  /** the Dockerfile's path in the tar (POST /build's `dockerfile`) */
  dockerfile: string;
}

/** An ignore pattern that matches exactly this one name at the context's root. */
function literal(name: string): string {
  return '/' + name.replace(/[\\*?[]/g, '\\$&');
}

/**
 * The tar for a directory context (or none: `build - < Dockerfile`) and its Dockerfile, given
 * as `build` takes it (a path from the current directory, or the text). Throws
 * BuildInputError as a local build would (no such directory, no such Dockerfile).
 */
export function contextTar(context: { dir: string } | { none: true }, dockerfile: { path: string } | { text: string }): ContextTar {
  const dir = 'dir' in context ? resolve(context.dir) : undefined;
  let ctx: BuildContext | undefined;
  let text: string | undefined;
  let name = 'Dockerfile';
  let inside: string | undefined;
  if ('path' in dockerfile) {
    if (!dir) throw new Error('a Dockerfile path needs a context directory');
    ctx = BuildContext.fromDirectory(dir, resolve(dockerfile.path));
    const found = locateDockerfile(dir, dockerfile.path, true);
    if (!relative(dir, found.path).startsWith('..')) inside = found.name;
    else {
      text = readFileSync(found.path, 'utf8');
      name = found.name;
    }
  } else {
    text = dockerfile.text;
    if (dir) ctx = BuildContext.fromDirectory(dir);
  }

  const paths = ctx ? ctx.all() : [];
  const ignore = dir ? ignoreFile(dir, 'path' in dockerfile ? resolve(dockerfile.path) : undefined) : undefined;
  const extra: Array<{ name: string; data: string }> = [];
  if (inside === undefined) {
    // The Dockerfile joins the context under its own name, unless the context has that name.
    const taken = (n: string) => dir !== undefined && lstatSync(join(dir, n), { throwIfNoEntry: false }) !== undefined;
    if (taken(name) || taken(`${name}.dockerignore`)) name = `.dockerfile.${Math.random().toString(16).slice(2, 14)}`;
    const patterns = ignore ? readFileSync(ignore, 'utf8') : '';
    extra.push({ name, data: text! }, { name: `${name}.dockerignore`, data: `${patterns}\n${literal(name)}\n${literal(`${name}.dockerignore`)}\n` });
  } else {
    // Sent even when ignored: the engine reads both before it applies the ignore file.
    const listed = new Set(paths);
    for (const p of [inside, ignore && dir && !relative(dir, ignore).startsWith('..') ? relative(dir, ignore) : undefined]) if (p && !listed.has(p)) paths.push(p);
  }
  return { tar: pack(dir, paths, extra), dockerfile: inside ?? name };
}

type Header = Parameters<tar.Pack['entry']>[0];

function pack(dir: string | undefined, paths: string[], extra: Array<{ name: string; data: string }>): Readable {
  const p = tar.pack();
  const entry = (header: Header, data = '') => new Promise<void>((res, rej) => p.entry(header, data, (e) => (e ? rej(e) : res())));
  const file = (header: Header, abs: string) =>
    new Promise<void>((res, rej) => {
      const src = createReadStream(abs);
      src.on('error', rej);
      src.pipe(p.entry(header, (e) => (e ? rej(e) : res())) as unknown as NodeJS.WritableStream);
    });
  (async () => {
    for (const rel of dir ? paths : []) {
      const abs = join(dir!, rel);
      const st = lstatSync(abs);
      // docker's CLI sends the context owned by root; the engine does not apply owners anyway
      const header: Header = { name: rel, mode: st.mode & 0o7777, mtime: st.mtime, uid: 0, gid: 0 };
      if (st.isDirectory()) await entry({ ...header, type: 'directory' });
      else if (st.isSymbolicLink()) await entry({ ...header, type: 'symlink', linkname: readlinkSync(abs) });
      else if (st.isFile()) await file({ ...header, size: st.size }, abs);
      // sockets, fifos and devices have no place in a context
    }
    const now = new Date();
    for (const x of extra) await entry({ name: x.name, mode: 0o644, mtime: now, uid: 0, gid: 0 }, x.data);
    p.finalize();
  })().catch((e: Error) => p.destroy(e));
  return p as unknown as Readable;
}
