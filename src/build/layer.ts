// One build step's filesystem: an overlay of the parent's snapshots with a fresh upper
// directory that is itself a prepared snapshot. When the step succeeds the upper directory
// becomes the new layer twice over without copying a file: its tar (uncompressed, so its
// digest is its diff_id) goes to the content store, and the directory is renamed into place
// as the snapshot for the new chain id.
import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineContext } from '../engine/context.js';
import type { Descriptor } from '../images/content-store.js';
import { MediaType } from '../images/manifest.js';
import { mountOverlay, unmount } from '../platform/mount.js';
import { diffTar } from '../storage/layer-diff.js';
import { chainIds } from '../storage/snapshots.js';

export interface LayerResult {
  desc: Descriptor & { digest: string };
  diffId: string;
}

function lowerDirs(ctx: EngineContext, diffIds: string[]): string[] {
  return chainIds(diffIds).map((c) => `${c.slice(7)}/diff`).reverse();
}

export class StepFs {
  readonly rootfs: string;
  readonly upper: string;
  private readonly work: string;
  private mounted = false;

  private constructor(
    private readonly ctx: EngineContext,
    private readonly prepared: { root: string; diff: string },
    private readonly diffIds: string[],
  ) {
    this.upper = prepared.diff;
    this.work = join(prepared.root, 'work');
    this.rootfs = join(prepared.root, 'merged');
  }

  /** Mount a writable view of the image whose layers are `diffIds`. */
  static async open(ctx: EngineContext, diffIds: string[]): Promise<StepFs> {
    const fs = new StepFs(ctx, ctx.snapshots.prepare(), diffIds);
    mkdirSync(fs.work, { mode: 0o700 });
    mkdirSync(fs.rootfs, { mode: 0o755 });
    let lowers = lowerDirs(ctx, diffIds);
    if (!lowers.length) {
      const empty = join(fs.prepared.root, 'empty');
      mkdirSync(empty);
      lowers = [empty];
    }
    try {
      await mountOverlay(fs.rootfs, lowers, fs.upper, fs.work, ctx.snapshots.dir);
      fs.mounted = true;
    } catch (e) {
      ctx.snapshots.discard(fs.prepared);
      throw e;
    }
    return fs;
  }

  /** A scratch directory beside the step (bundle, heredoc files), gone with the step. */
  scratch(name: string): string {
    const d = join(this.prepared.root, name);
    mkdirSync(d, { recursive: true, mode: 0o700 });
    return d;
  }

  async unmount(): Promise<void> {
    if (this.mounted) await unmount(this.rootfs);
    this.mounted = false;
  }

  discard(): void {
    this.ctx.snapshots.discard(this.prepared);
  }

  /**
   * Turn the upper directory into a layer on top of the parent's. Undefined when the step
   * changed nothing (the history entry is then an empty layer, as BuildKit writes it).
   */
  async commit(): Promise<LayerResult | undefined> {
    await this.unmount();
    for (const n of readdirSync(this.prepared.root)) if (n !== 'diff') rmSync(join(this.prepared.root, n), { recursive: true, force: true });
    if (!readdirSync(this.upper).length) {
      this.discard();
      return undefined;
    }
    const ingest = this.ctx.content.ingest();
    let size = 0;
    try {
      for await (const chunk of diffTar(this.upper) as AsyncIterable<Buffer>) {
        ingest.write(chunk);
        size += chunk.length;
      }
    } catch (e) {
      ingest.abort();
      this.discard();
      throw e;
    }
    const digest = ingest.commit(size, 'layer');
    const chain = chainIds([...this.diffIds, digest]);
    this.ctx.snapshots.commit(this.prepared, { chain_id: chain.at(-1)!, parent: chain.length > 1 ? chain.at(-2)! : null, diff_id: digest, size });
    return { desc: { mediaType: MediaType.OciLayer, digest, size }, diffId: digest };
  }
}

/** A read-only view of an image's filesystem (COPY --from, RUN --mount=from=). */
export async function readOnlyView(ctx: EngineContext, diffIds: string[]): Promise<{ path: string; release: () => Promise<void> }> {
  const lowers = lowerDirs(ctx, diffIds);
  if (lowers.length === 1) return { path: join(ctx.snapshots.dir, lowers[0]), release: async () => undefined };
  const prepared = ctx.snapshots.prepare();
  const target = prepared.diff;
  // An overlay without an upper directory is read-only (two lowers at least, so not for one).
  if (lowers.length) await mountOverlay(target, lowers, undefined, undefined, ctx.snapshots.dir);
  return {
    path: target,
    release: async () => {
      await unmount(target);
      ctx.snapshots.discard(prepared);
    },
  };
}

/** Remove what a run left only as mount points: empty files and directories it did not have before. */
export function removeStubs(upper: string, created: string[]): void {
  const stubOnly = (p: string): boolean => {
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st) return true;
    if (st.isFile()) return st.size === 0;
    if (st.isDirectory()) return readdirSync(p).every((n) => stubOnly(join(p, n)));
    return false;
  };
  for (const rel of created) {
    const p = join(upper, rel);
    if (lstatSync(p, { throwIfNoEntry: false }) && stubOnly(p)) rmSync(p, { recursive: true, force: true });
  }
}
