// A container's files: `cp` both ways, `export`, `diff` and `commit`. Paths resolve inside the
// container's root filesystem (symlinks followed within it, never out of it); a stopped
// container's filesystem is mounted for the time it takes.
import { lstatSync } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { conflict, notFound } from '../errors.js';
import type { EngineContext } from './context.js';
import { ContainerService } from './containers.js';
import { commandLine } from './container-view.js';
import type { ContainerRecord } from '../containers/model.js';
import { copyDestination, packPath, resolveInRoot, unpackInto } from '../containers/copy.js';
import type { ContainerConfig, ImageConfig } from '../images/manifest.js';
import { applyChange } from '../images/changes.js';
import { storeNewLayerImage } from '../images/commit.js';
import { diffTar, upperChanges, type ChangeKind } from '../storage/layer-diff.js';
import { chainIds } from '../storage/snapshots.js';
import { unmount } from '../platform/mount.js';

export class ContainerFiles {
  private readonly containers: ContainerService;

  constructor(private readonly ctx: EngineContext) {
    this.containers = new ContainerService(ctx);
  }

  /** Run fn with the container's rootfs mounted (mounting it for a while if it is stopped). */
  async withRootfs<T>(c: ContainerRecord, fn: (rootfs: string) => Promise<T>): Promise<T> {
    const p = this.containers.paths(c.id);
    if (c.state.Running) return fn(p.rootfs);
    await this.containers.mountRootfs(c, p);
    try {
      return await fn(p.rootfs);
    } finally {
      await unmount(p.rootfs);
    }
  }

  /** `cp CONTAINER:PATH -`: the path as a tar stream. The stream is done when `done` settles. */
  async copyFrom(idOrName: string, path: string, opts: { followLink: boolean }, sink: (tar: Readable, info: { name: string; isDir: boolean }) => Promise<void>): Promise<void> {
    const c = await this.containers.get(idOrName);
    await this.withRootfs(c, async (rootfs) => {
      const abs = resolveInRoot(rootfs, path, opts.followLink);
      const st = lstatSync(abs, { throwIfNoEntry: false });
      if (!st) throw notFound(`Could not find the file ${path} in container ${idOrName}`);
      const name = basename(abs) || '.';
      await sink(packPath(abs, name), { name, isDir: st.isDirectory() });
    });
  }

  /** `cp SRC CONTAINER:PATH`: unpack a tar (of one top entry) to a path in the container. */
  async copyTo(idOrName: string, path: string, source: { tar: Readable; name: string; isDir: boolean }, opts: { owners: boolean; contentsOnly: boolean }): Promise<void> {
    const c = await this.containers.get(idOrName);
    if (c.hostConfig.ReadonlyRootfs && c.state.Running) throw conflict(`container ${c.name} has a read-only root filesystem`);
    await this.withRootfs(c, async (rootfs) => {
      const dest = resolveInRoot(rootfs, path, true);
      const st = lstatSync(dest, { throwIfNoEntry: false });
      const where = copyDestination(dest, source.name, source.isDir, Boolean(st?.isDirectory()), Boolean(st), opts.contentsOnly);
      await unpackInto(source.tar, where.dir, { rename: where.rename, owners: opts.owners });
    });
  }

  async export(idOrName: string, sink: (tar: Readable) => Promise<void>): Promise<void> {
    const c = await this.containers.get(idOrName);
    await this.withRootfs(c, (rootfs) => sink(packPath(rootfs, '.')));
  }

  async diff(idOrName: string): Promise<Array<{ kind: ChangeKind; path: string }>> {
    const c = await this.containers.get(idOrName);
    const image = this.ctx.images.get(c.imageId);
    const chains = image ? chainIds((JSON.parse(image.config) as ImageConfig).rootfs?.diff_ids ?? []) : [];
    const lowers = chains.map((ch) => this.ctx.snapshots.diffPath(ch));
    return upperChanges(this.containers.paths(c.id).upper, (rel) => lowers.some((l) => lstatSync(`${l}/${rel}`, { throwIfNoEntry: false }) !== undefined));
  }

  /** diff in docker's shape (GET /containers/{id}/changes): Kind 0 changed, 1 added, 2 deleted. */
  async changes(idOrName: string): Promise<Array<{ Path: string; Kind: 0 | 1 | 2 }>> {
    const kinds = { C: 0, A: 1, D: 2 } as const;
    return (await this.diff(idOrName)).map((ch) => ({ Path: ch.path, Kind: kinds[ch.kind] }));
  }

  /** The container's changes as a new image (docker commit). */
  async commit(idOrName: string, o: { reference?: string; changes: string[]; message?: string; author?: string; pause: boolean }): Promise<string> {
    const c = await this.containers.get(idOrName);
    const rt = this.containers.runtime(c);
    const paused = o.pause && c.state.Running && !c.state.Paused;
    if (paused) await rt.pause(c.id);
    try {
      const base = this.ctx.images.get(c.imageId);
      if (!base) throw notFound(`image ${c.imageId} of container ${c.name} is gone`);
      const baseCfg = JSON.parse(base.config) as ImageConfig;
      const cfg: ContainerConfig = {
        User: c.config.User, ExposedPorts: c.config.ExposedPorts, Env: c.config.Env, Entrypoint: c.config.Entrypoint, Cmd: c.config.Cmd,
        Volumes: c.config.Volumes, WorkingDir: c.config.WorkingDir, Labels: c.config.Labels, StopSignal: c.config.StopSignal, Healthcheck: c.config.Healthcheck,
      };
      for (const ch of o.changes) applyChange(cfg, ch);
      return await storeNewLayerImage(this.ctx, {
        action: 'commit',
        base: baseCfg,
        config: cfg,
        layer: diffTar(this.containers.paths(c.id).upper),
        createdBy: commandLine(c),
        comment: o.message,
        author: o.author,
        tag: o.reference,
        parent: base.id,
      });
    } finally {
      if (paused) await rt.resume(c.id).catch(() => undefined);
    }
  }
}
