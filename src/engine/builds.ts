// The build service: what `berth build` and the Engine API's POST /build share. It turns a
// context (a directory or a tar stream) and a Dockerfile (a path in the context, a path
// elsewhere, or text) into a Builder run, and cleans up after it.
import { readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { EngineContext } from './context.js';
import { Builder, BuildError, type BuildEvent, type BuildResult } from '../build/builder.js';
import { BuildContext, BuildInputError, locateDockerfile } from '../build/context.js';
import { BuildCache } from '../build/cache.js';
import { collectGarbage } from '../storage/gc.js';
import type { Platform } from '../images/manifest.js';

export interface BuildRequest {
  /** a context directory, or a tar stream holding the context */
  context: { dir: string } | { tar: Readable } | { none: true };
  /** the Dockerfile: a path (relative to the context, or absolute), or its text */
  dockerfile?: { path: string } | { text: string; name?: string };
  tags: string[];
  buildArgs: Map<string, string>;
  target?: string;
  noCache?: boolean;
  pull?: boolean;
  labels?: Record<string, string>;
  secrets?: Map<string, { file?: string; value?: string }>;
  network?: string;
  platform?: Platform;
  onEvent: (e: BuildEvent) => void;
}

export class BuildService {
  constructor(private readonly ctx: EngineContext) {}

  async build(req: BuildRequest): Promise<BuildResult> {
    let context: BuildContext;
    let text: string;
    let name = 'Dockerfile';
    const df = req.dockerfile ?? { path: 'Dockerfile' };
    try {
      if ('tar' in req.context) {
        const rel = 'path' in df && !isAbsolute(df.path) ? df.path : 'Dockerfile';
        context = await BuildContext.fromTar(req.context.tar, this.ctx.storageTmp, rel);
      } else if ('dir' in req.context) {
        const file = 'path' in df ? (isAbsolute(df.path) ? df.path : resolve(df.path)) : undefined;
        context = BuildContext.fromDirectory(resolve(req.context.dir), file);
      } else context = BuildContext.empty(this.ctx.storageTmp);
    } catch (e) {
      throw e instanceof BuildInputError ? new BuildError(e.message) : e;
    }
    try {
      if ('text' in df) {
        text = df.text;
        name = df.name ?? 'Dockerfile';
      } else {
        let found: { path: string; name: string };
        try {
          found = locateDockerfile(context.dir, df.path, 'dir' in req.context);
        } catch (e) {
          throw e instanceof BuildInputError ? new BuildError(e.message) : e;
        }
        text = readFileSync(found.path, 'utf8');
        name = found.name;
      }
      const builder = new Builder(this.ctx, {
        context,
        dockerfile: { text, name },
        tags: req.tags,
        buildArgs: req.buildArgs,
        target: req.target,
        noCache: req.noCache ?? false,
        pull: req.pull ?? false,
        labels: req.labels ?? {},
        secrets: req.secrets ?? new Map(),
        network: req.network ?? 'default',
        platform: req.platform,
        onEvent: req.onEvent,
      });
      return await builder.run();
    } finally {
      context.dispose();
    }
  }

  /** `builder prune`: forget cached steps and cache mounts, then collect what nothing uses. */
  /** The build cache's entries dropped (their keys) and the bytes the garbage collection then freed. */
  prune(opts: { all?: boolean } = {}): { deleted: string[]; reclaimed: number } {
    const cache = new BuildCache(this.ctx.db);
    let deleted = opts.all ? cache.prune() : [];
    if (opts.all) rmSync(join(this.ctx.config.root, 'build', 'cache-mounts'), { recursive: true, force: true });
    const gc = collectGarbage(this.ctx.db, this.ctx.content, this.ctx.snapshots, this.ctx.storageTmp);
    // Without --all, only the entries whose layers are gone (dangling) are dropped.
    if (!opts.all) deleted = cache.dropMissing((digest) => this.ctx.content.has(digest));
    return { deleted, reclaimed: gc.bytes };
  }
}
