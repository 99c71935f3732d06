// The image service: what `berth image ...` and the Engine API's /images endpoints do.
// Typed inputs, typed results; no argv, no HTTP.
import { conflict, invalid } from '../errors.js';
import { writeTx } from '../state/db.js';
import { collectGarbage } from '../storage/gc.js';
import { chainIds } from '../storage/snapshots.js';
import type { EngineContext } from './context.js';
import type { ImageRecord } from '../images/image-store.js';
import type { ContainerConfig, ImageConfig } from '../images/manifest.js';
import { familiarName, formatReference, parseReference, splitTagged } from '../images/reference.js';
import { globToRegExp, labelMatches, parseBool, parseFilters, parseTimestamp } from '../images/filters.js';
import type { DeleteItem, HistoryItem, ImageInspect, ImageSummary as DockerImageSummary } from '../backend/images.js';

export const IMAGE_LIST_FILTERS = ['dangling', 'reference', 'label', 'before', 'since', 'until'] as const;
export const IMAGE_PRUNE_FILTERS = ['until', 'label', 'label!', 'dangling'] as const;

export interface ImageSummary {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  created: number;
  size: number;
  labels: Record<string, string>;
  record: ImageRecord;
}

export interface DeleteResult {
  untagged: string[];
  deleted: string[];
  reclaimed: number;
}

function createdMs(cfg: ImageConfig): number {
  const t = cfg.created ? Date.parse(cfg.created) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

function isDangling(r: ImageRecord): boolean {
  return r.tags.length === 0 && r.digests.length === 0;
}

export class ImageService {
  constructor(private readonly ctx: EngineContext) {}

  list(opts: { filters?: string[]; all?: boolean } = {}): ImageSummary[] {
    const f = parseFilters(opts.filters ?? [], IMAGE_LIST_FILTERS);
    let records = this.ctx.images.listAll();
    const dangling = f.get('dangling');
    if (dangling) {
      const want = parseBool('dangling', dangling[dangling.length - 1]);
      records = records.filter((r) => isDangling(r) === want);
    }
    for (const l of f.get('label') ?? []) records = records.filter((r) => labelMatches(r.config.config?.Labels, l));
    for (const key of ['before', 'since'] as const) {
      for (const v of f.get(key) ?? []) {
        const pivot = createdMs(JSON.parse(this.ctx.images.resolve(v).image.config) as ImageConfig);
        records = records.filter((r) => (key === 'before' ? createdMs(r.config) < pivot : createdMs(r.config) > pivot));
      }
    }
    for (const v of f.get('until') ?? []) {
      const t = parseTimestamp(v);
      records = records.filter((r) => createdMs(r.config) < t);
    }
    const refs = f.get('reference');
    const patterns = refs?.map((p) => globToRegExp(p));
    const out: ImageSummary[] = [];
    for (const r of records) {
      let tags = r.tags;
      if (patterns) {
        tags = r.tags.filter((t) => {
          const fam = familiarName(splitTagged(t).repo);
          const famTag = `${fam}:${splitTagged(t).tag}`;
          return patterns.some((p) => p.test(fam) || p.test(famTag) || p.test(t) || p.test(splitTagged(t).repo));
        });
        if (!tags.length) continue;
      }
      out.push({
        id: r.id,
        repoTags: tags,
        repoDigests: r.digests.map((d) => `${d.repo}@${d.digest}`),
        created: createdMs(r.config),
        size: r.size,
        labels: r.config.config?.Labels ?? {},
        record: r,
      });
    }
    out.sort((a, b) => b.created - a.created || a.id.localeCompare(b.id));
    return out;
  }

  /** GET /images/json: docker's summaries, each with the number of containers using the image. */
  summaries(opts: { filters?: string[]; all?: boolean } = {}): DockerImageSummary[] {
    const images = this.list(opts);
    const used = new Map<string, number>();
    for (const row of this.ctx.db.prepare('SELECT image_id FROM containers').all() as Array<{ image_id: string }>) used.set(row.image_id, (used.get(row.image_id) ?? 0) + 1);
    return images.map((i) => imageSummary(i, used.get(i.id) ?? 0));
  }

  inspect(name: string): ImageRecord {
    const { image } = this.ctx.images.resolve(name);
    return this.ctx.images.record(image);
  }

  /** docker's ImageInspect JSON shape. */
  inspectJson(rec: ImageRecord): ImageInspect {
    const cfg = rec.config;
    const chains = chainIds(cfg.rootfs?.diff_ids ?? []);
    const dirs = chains.map((c) => this.ctx.snapshots.diffPath(c)).reverse();
    return {
      Id: rec.id,
      RepoTags: rec.tags.map((t) => familiarTagged(t)),
      RepoDigests: rec.digests.map((d) => `${familiarName(d.repo)}@${d.digest}`),
      Parent: rec.parent ?? '',
      Comment: cfg.comment ?? historyComment(cfg),
      Created: cfg.created ?? '0001-01-01T00:00:00Z',
      DockerVersion: cfg.docker_version ?? '',
      Author: cfg.author ?? '',
      Config: dockerContainerConfig(cfg.config),
      Architecture: cfg.architecture,
      ...(cfg.variant ? { Variant: cfg.variant } : {}),
      Os: cfg.os,
      ...(cfg['os.version'] ? { OsVersion: cfg['os.version'] } : {}),
      Size: rec.size,
      GraphDriver: {
        Data: dirs.length ? { LowerDir: dirs.slice(1).join(':') || undefined, UpperDir: dirs[0] } : null,
        Name: 'overlay',
      },
      RootFS: { Type: 'layers', Layers: cfg.rootfs?.diff_ids ?? [] },
      Metadata: { LastTagTime: new Date(rec.added).toISOString() },
      Descriptor: { mediaType: rec.manifest_media_type, digest: rec.manifest_digest, size: safeSize(this.ctx, rec.manifest_digest) },
    };
  }

  tag(source: string, target: string): void {
    const { image } = this.ctx.images.resolve(source);
    const ref = parseReference(target);
    if (ref.digest) throw invalid(`refusing to create a tag with a digest reference: "${target}"`);
    const name = formatReference(ref);
    writeTx(this.ctx.db, () => {
      this.ctx.images.setTag(name, image.id);
      this.ctx.images.syncLayoutIndex(this.ctx.content);
      this.ctx.events.emit('image', 'tag', image.id, { name });
    });
  }

  /** Remove one image reference, as docker rmi does; deletes the image when nothing refers to it. */
  remove(name: string, opts: { force?: boolean; prune?: boolean } = {}): DeleteResult {
    const res: DeleteResult = { untagged: [], deleted: [], reclaimed: 0 };
    let deletedId: string | undefined;
    writeTx(this.ctx.db, () => {
      const r = this.ctx.images.resolve(name);
      const img = r.image;
      const tags = this.ctx.images.tagsOf(img.id);
      const digests = this.ctx.images.digestsOf(img.id);
      if (r.kind === 'tag') {
        this.ctx.images.removeTag(r.name);
        res.untagged.push(familiarTagged(r.name));
        const left = tags.filter((t) => t !== r.name);
        const repo = splitTagged(r.name).repo;
        if (!left.some((t) => splitTagged(t).repo === repo)) {
          for (const d of this.ctx.images.removeDigestsOfRepo(img.id, repo)) res.untagged.push(`${familiarName(d.repo)}@${d.digest}`);
        }
        if (left.length === 0) {
          for (const d of this.ctx.images.digestsOf(img.id)) res.untagged.push(`${familiarName(d.repo)}@${d.digest}`);
          deletedId = img.id;
        }
      } else if (r.kind === 'digest') {
        this.ctx.images.removeDigest(r.repo, r.digest);
        res.untagged.push(`${familiarName(r.repo)}@${r.digest}`);
        if (tags.length === 0 && digests.length <= 1) deletedId = img.id;
      } else {
        const repos = new Set(tags.map((t) => splitTagged(t).repo));
        if (repos.size > 1 && !opts.force) {
          throw conflict(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is referenced in multiple repositories`);
        }
        for (const t of tags) res.untagged.push(familiarTagged(t));
        for (const d of digests) res.untagged.push(`${familiarName(d.repo)}@${d.digest}`);
        deletedId = img.id;
      }
      for (const u of res.untagged) this.ctx.events.emit('image', 'untag', img.id, { name: u });
      if (deletedId) {
        const users = this.containersUsing(deletedId);
        if (users.length) {
          if (!opts.force) throw conflict(`conflict: unable to delete ${shortId(deletedId)} (must be forced) - image is being used by container ${users[0].slice(0, 12)}`);
          // Forced: the references go, the image stays (dangling) while a container needs it.
          deletedId = undefined;
        }
      }
      if (deletedId) {
        this.ctx.images.delete(deletedId);
        this.ctx.events.emit('image', 'delete', deletedId, {});
        res.deleted.push(deletedId);
      }
      this.ctx.images.syncLayoutIndex(this.ctx.content);
    });
    if (deletedId) {
      const gc = collectGarbage(this.ctx.db, this.ctx.content, this.ctx.snapshots, this.ctx.storageTmp);
      res.deleted.push(...gc.snapshots);
      res.reclaimed = gc.bytes;
    }
    return res;
  }

  private containersUsing(imageId: string): string[] {
    return (this.ctx.db.prepare('SELECT id FROM containers WHERE image_id = ?').all(imageId) as Array<{ id: string }>).map((r) => r.id);
  }

  history(name: string): Array<{ id: string; created: number; createdBy: string; size: number; comment: string; tags: string[] }> {
    const { image } = this.ctx.images.resolve(name);
    const cfg = JSON.parse(image.config) as ImageConfig;
    const chains = chainIds(cfg.rootfs?.diff_ids ?? []);
    const sizes = chains.map((c) => this.ctx.snapshots.get(c)?.size ?? 0);
    const hist = cfg.history?.length ? cfg.history : chains.map(() => ({}) as NonNullable<ImageConfig['history']>[number]);
    let layer = 0;
    const rows = hist.map((h) => {
      const size = h.empty_layer ? 0 : (sizes[layer++] ?? 0);
      return { id: '<missing>', created: h.created ? Date.parse(h.created) : 0, createdBy: h.created_by ?? '', size, comment: h.comment ?? '', tags: [] as string[] };
    });
    rows.reverse();
    if (rows.length) {
      rows[0].id = image.id;
      rows[0].tags = this.ctx.images.tagsOf(image.id).map(familiarTagged);
    }
    return rows;
  }

  /** GET /images/{name}/history: docker's entries. */
  historyItems(name: string): HistoryItem[] {
    return this.history(name).map((h) => ({ Id: h.id, Created: Math.floor(h.created / 1000), CreatedBy: h.createdBy, Tags: h.tags.length ? h.tags : null, Size: h.size, Comment: h.comment }));
  }

  /** Remove dangling images (or all unused with `all`), then collect garbage. */
  prune(opts: { all?: boolean; filters?: string[] } = {}): DeleteResult {
    const f = parseFilters(opts.filters ?? [], IMAGE_PRUNE_FILTERS);
    const until = f.get('until')?.map((v) => parseTimestamp(v));
    const dangling = f.get('dangling');
    const all = opts.all || (dangling ? !parseBool('dangling', dangling[dangling.length - 1]) : false);
    const res: DeleteResult = { untagged: [], deleted: [], reclaimed: 0 };
    writeTx(this.ctx.db, () => {
      for (const r of this.ctx.images.listAll()) {
        if (!all && !isDangling(r)) continue;
        if (this.containersUsing(r.id).length) continue;
        if (until && !until.every((t) => createdMs(r.config) < t)) continue;
        const labels = r.config.config?.Labels;
        if (!(f.get('label') ?? []).every((l) => labelMatches(labels, l))) continue;
        if ((f.get('label!') ?? []).some((l) => labelMatches(labels, l))) continue;
        for (const t of r.tags) res.untagged.push(familiarTagged(t));
        for (const d of r.digests) res.untagged.push(`${familiarName(d.repo)}@${d.digest}`);
        this.ctx.images.delete(r.id);
        this.ctx.events.emit('image', 'delete', r.id, {});
        res.deleted.push(r.id);
      }
      this.ctx.images.syncLayoutIndex(this.ctx.content);
    });
    const gc = collectGarbage(this.ctx.db, this.ctx.content, this.ctx.snapshots, this.ctx.storageTmp);
    res.deleted.push(...gc.snapshots);
    res.reclaimed = gc.bytes;
    if (res.deleted.length) this.ctx.events.emit('image', 'prune', '', { reclaimed: String(res.reclaimed) });
    return res;
  }
}

/** docker's ImageSummary of one listed image. */
function imageSummary(i: ImageSummary, containers: number): DockerImageSummary {
  return {
    Id: i.id,
    ParentId: i.record.parent ?? '',
    RepoTags: i.repoTags.map(familiarTagged),
    RepoDigests: i.record.digests.map((d) => `${familiarName(d.repo)}@${d.digest}`),
    Created: Math.floor(i.created / 1000),
    Size: i.size,
    SharedSize: -1,
    VirtualSize: i.size,
    Labels: i.labels,
    Containers: containers,
  };
}

/** What rmi and image prune removed, as docker's delete responses: the references, then the images and layers. */
export function deleteItems(res: DeleteResult): DeleteItem[] {
  return [...res.untagged.map((u) => ({ Untagged: u })), ...res.deleted.map((d) => ({ Deleted: d }))];
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export function familiarTagged(canonical: string): string {
  const { repo, tag } = splitTagged(canonical);
  return `${familiarName(repo)}:${tag}`;
}

function historyComment(cfg: ImageConfig): string {
  return cfg.history?.at(-1)?.comment ?? '';
}

function safeSize(ctx: EngineContext, digest: string): number | undefined {
  try {
    return ctx.content.size(digest);
  } catch {
    return undefined;
  }
}

/** The container config as docker's inspect shows it (every field present). */
export function dockerContainerConfig(c: ContainerConfig | undefined): Record<string, unknown> {
  const cfg = c ?? {};
  return {
    Hostname: '',
    Domainname: '',
    User: cfg.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(cfg.ExposedPorts ? { ExposedPorts: cfg.ExposedPorts } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: cfg.Env ?? null,
    Cmd: cfg.Cmd ?? null,
    ...(cfg.Healthcheck ? { Healthcheck: cfg.Healthcheck } : {}),
    ...(cfg.ArgsEscaped ? { ArgsEscaped: true } : {}),
    Image: '',
    Volumes: cfg.Volumes ?? null,
    WorkingDir: cfg.WorkingDir ?? '',
    Entrypoint: cfg.Entrypoint ?? null,
    OnBuild: cfg.OnBuild ?? null,
    Labels: cfg.Labels ?? null,
    ...(cfg.StopSignal ? { StopSignal: cfg.StopSignal } : {}),
    ...(cfg.Shell ? { Shell: cfg.Shell } : {}),
  };
}

