// COPY and ADD: sources from the context (through .dockerignore), from another stage or
// image (--from), from here-documents, and for ADD from http(s) URLs and local archives.
// The cache payload is the content of exactly what is copied, so touching an unrelated file
// in the context does not rerun the step.
import { lstatSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { resolveInRoot } from '../containers/copy.js';
import { resolveUser } from '../containers/user.js';
import { sha256 } from '../images/content-store.js';
import { httpGet, type Download as HttpDownload } from '../util/http-get.js';
import type { Instruction } from './instructions.js';
import { DockerfileError, isHeredocToken } from './dockerfile.js';
import { IgnoreMatcher, parseIgnoreFile } from './dockerignore.js';
import { expandHeredoc, expandWord, expandWords } from './shell-lex.js';
import { BuildInputError } from './context.js';
import { copyInto, CopyError, RootWriter, walkTree, type Owner, type SourceItem } from './copy-files.js';
import { StepFs, readOnlyView } from './layer.js';
import { BuildError, containerConfig, type PreparedStep, type StepEnv } from './step.js';

const WILDCARD = /[*?[]/;

interface Download {
  url: string;
  file: string;
  digest: string;
  name: string;
  mtime?: Date;
}

export async function prepareCopy(env: StepEnv, ins: Instruction): Promise<PreparedStep> {
  const isAdd = ins.keyword === 'ADD';
  const ex = (w: string) => expandWord(w, env.vars, { escape: env.escape, used: env.used });
  const words = ins.json ?? expandWords(ins.args, env.vars, { escape: env.escape, used: env.used });
  const heredocs = ins.json ? [] : ins.heredocs;
  const docNames = new Set(heredocs.map((h) => h.name));
  const srcWords = words.slice(0, -1).filter((w) => !docNames.has(isHeredocToken(w) ?? '\0'));
  const destWord = words[words.length - 1];
  const workdir = containerConfig(env.state).WorkingDir || '/';
  const dest = (destWord.startsWith('/') ? destWord : posix.join(workdir, destWord)) + (destWord.endsWith('/') || destWord === '.' ? '/' : '');
  const chown = ins.flags.get('chown') === undefined ? undefined : ex(ins.flags.get('chown')!);
  let chmod: number | undefined;
  if (ins.flags.get('chmod') !== undefined) {
    const m = ex(ins.flags.get('chmod')!);
    if (!/^[0-7]{3,4}$/.test(m)) throw new BuildError(`invalid chmod value "${m}": use an octal mode such as 0755`);
    chmod = parseInt(m, 8);
  }
  const exclude = ins.flags.all('exclude').map(ex);
  const excluded = new IgnoreMatcher(parseIgnoreFile(exclude.join('\n')));
  const parents = ins.flags.has('parents');
  const from = ins.flags.get('from');
  if (from && isAdd) throw new DockerfileError('ADD does not take --from; use COPY --from', ins.line);
  let multiple = srcWords.length + heredocs.length > 1 || srcWords.some((w) => WILDCARD.test(w)) || parents;

  let view: { path: string; release: () => Promise<void> } | undefined;
  const release = async () => {
    await view?.release();
    view = undefined;
  };
  try {
    // What the step reads, and so its key.
    let sourceKey: unknown;
    let contextRels: string[] = [];
    let fromPaths: string[] = [];
    const downloads: Download[] = [];
    if (from) {
      const st = await env.sourceState(ex(from));
      view = await readOnlyView(env.ctx, st.config.rootfs.diff_ids);
      fromPaths = srcWords.flatMap((p) => globIn(view!.path, p));
      sourceKey = ['from', st.key, srcWords];
    } else {
      for (const w of srcWords) {
        if (isAdd && /^https?:\/\//.test(w)) downloads.push(await download(env, w, ins.flags.get('checksum')));
        else if (/^[a-z]+:\/\//.test(w) || w.startsWith('git@')) throw new BuildError(`${ins.keyword} ${w}: ${isAdd ? 'only http(s) URLs are supported' : 'COPY takes local paths; ADD fetches http(s) URLs'}`);
        else contextRels.push(...env.context.match(w));
      }
      contextRels = [...new Set(contextRels)].filter((r) => !excluded.ignored(r));
      sourceKey = ['context', contextRels, env.context.digest(contextRels), downloads.map((d) => [d.url, d.digest])];
    }
    if (contextRels.length + fromPaths.length + downloads.length > 1) multiple = true;
    const docs = heredocs.map((h) => ({ name: h.name, content: h.expand ? expandHeredoc(h.content, env.vars, { escape: env.escape }) : h.content }));
    const view0 = view;
    return {
      payload: [sourceKey, docs, dest, chown, chmod, isAdd, exclude, parents],
      release,
      work: async (s) => {
        const fs = await StepFs.open(env.ctx, s.config.rootfs.diff_ids);
        try {
          const owner = chown === undefined ? undefined : resolveOwner(fs.rootfs, chown);
          const items: SourceItem[] = [];
          const keep = (rel: string) => !excluded.ignored(rel);
          for (const rel of contextRels) {
            const [top, ...below] = env.context.entries(rel);
            const children = below.map((e) => ({ ...e, rel: e.rel.slice(rel ? rel.length + 1 : 0) })).filter((c) => keep(c.rel));
            items.push({ name: posix.basename(rel) || '.', abs: top.abs, st: top.st, children, ...(parents ? { target: rel } : {}) });
          }
          for (const p of fromPaths) {
            const abs = resolveInRoot(view0!.path, p, true);
            const st = lstatSync(abs, { throwIfNoEntry: false });
            if (!st) throw new BuildInputError(`"${p}": not found in the source stage or image`);
            items.push({ name: posix.basename(p), abs, st, children: st.isDirectory() ? walkTree(abs).filter((c) => keep(c.rel)) : [], ...(parents ? { target: p.replace(/^\/+/, '') } : {}) });
          }
          await copyInto(fs.rootfs, { items, dest, multiple, owner, chmod, unpack: isAdd });
          const w = new RootWriter(fs.rootfs, { owner, chmod });
          const into = (name: string) => (dest.endsWith('/') || multiple ? posix.join(dest, name) : dest.replace(/\/$/, ''));
          for (const d of downloads) w.file(into(d.name), readFileSync(d.file), chmod ?? 0o600, d.mtime);
          for (const d of docs) w.file(into(d.name), d.content, chmod ?? 0o644);
          return { createdBy: `${ins.text} # buildkit`, layer: await fs.commit() };
        } catch (e) {
          await fs.unmount().catch(() => undefined);
          fs.discard();
          throw e instanceof CopyError || e instanceof BuildInputError ? new BuildError(e.message) : e;
        }
      },
    };
  } catch (e) {
    await release();
    throw e instanceof BuildInputError ? new BuildError(`${ins.keyword}: ${e.message}`) : e;
  }
}

async function download(env: StepEnv, url: string, checksum?: string): Promise<Download> {
  let res: HttpDownload;
  const chunks: Buffer[] = [];
  try {
    res = await httpGet(url);
    if (res.status < 200 || res.status > 299) {
      res.body.resume();
      throw new BuildError(`ADD ${url}: the server answered ${res.status} ${res.statusText}`);
    }
    for await (const c of res.body) chunks.push(c as Buffer);
  } catch (e) {
    throw e instanceof BuildError ? e : new BuildError(`ADD ${url}: ${(e as Error).message}`);
  }
  const body = Buffer.concat(chunks);
  const digest = sha256(body);
  if (checksum && checksum !== digest) throw new BuildError(`ADD ${url}: checksum mismatch: expected ${checksum}, got ${digest}`);
  const file = join(env.tmp, `download-${digest.slice(7, 23)}`);
  writeFileSync(file, body);
  const lm = res.headers['last-modified'];
  return { url, file, digest, name: posix.basename(new URL(url).pathname) || 'index.html', mtime: lm ? new Date(lm) : undefined };
}

/** --chown=user[:group], names looked up in the image being built. */
function resolveOwner(rootfs: string, spec: string): Owner {
  const [u, g] = spec.split(':');
  const user = resolveUser(rootfs, u);
  return g === undefined ? { uid: user.uid, gid: user.gid } : { uid: user.uid, gid: resolveUser(rootfs, `${u}:${g}`).gid };
}

/** Paths under `root` matching a pattern whose last component may hold wildcards. */
function globIn(root: string, pattern: string): string[] {
  if (!WILDCARD.test(pattern)) return [pattern];
  const dir = posix.dirname(posix.normalize('/' + pattern));
  const re = new RegExp('^' + posix.basename(pattern).replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
  let names: string[] = [];
  try {
    names = readdirSync(resolveInRoot(root, dir, true));
  } catch {
    /* no such directory: no match */
  }
  const hits = names.filter((n) => re.test(n)).map((n) => posix.join(dir, n));
  if (!hits.length) throw new BuildInputError(`no source files were specified by "${pattern}"`);
  return hits;
}
