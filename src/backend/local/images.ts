// The image half of the local backend: the engine's image services in this process, their
// results in docker's shapes (the same functions the API's routes answer with). The modules
// that move images (pull, push, archives, build) load when first used: every command loads
// this one.
import type { Readable, Writable } from 'node:stream';
import type { ArchiveFormat, BuildCachePrune, BuildOptions, BuildOutput, CommitOptions, DeleteItem, HistoryItem, ImageBackend, ImageInspect, ImageSummary, ImportOptions, PruneReport, PushedTag } from '../images.js';
import { BuildFailure } from '../images.js';
import type { EngineContext } from '../../engine/context.js';
import { deleteItems, ImageService } from '../../engine/images.js';
import type { ProgressSink } from '../../images/progress.js';
import { parseReference } from '../../images/reference.js';

const platformOf = async (p: string | undefined) => (p ? (await import('../../images/manifest.js')).parsePlatform(p) : undefined);

export class LocalImages implements ImageBackend {
  private readonly svc: ImageService;

  constructor(private readonly ctx: EngineContext) {
    this.svc = new ImageService(ctx);
  }

  async list(o: { all?: boolean; filters?: string[] }): Promise<ImageSummary[]> {
    return this.svc.summaries(o);
  }

  async inspect(name: string): Promise<ImageInspect> {
    return this.svc.inspectJson(this.svc.inspect(name));
  }

  async history(name: string): Promise<HistoryItem[]> {
    return this.svc.historyItems(name);
  }

  async pull(ref: string, o: { allTags?: boolean; platform?: string }, progress: ProgressSink): Promise<void> {
    const { pullReported } = await import('../../images/pull.js');
    await pullReported(this.ctx, parseReference(ref, { defaultTag: !o.allTags }), { platform: await platformOf(o.platform), onProgress: progress });
  }

  async push(ref: string, o: { allTags?: boolean }, progress: ProgressSink): Promise<PushedTag[]> {
    const { pushImage } = await import('../../images/push.js');
    return (await pushImage(this.ctx, ref, progress, { allTags: o.allTags })).map((p) => ({ Tag: p.tag, Digest: p.digest, Size: p.size }));
  }

  async tag(source: string, target: string): Promise<void> {
    this.svc.tag(source, target);
  }

  async remove(name: string, o: { force?: boolean; noPrune?: boolean }): Promise<DeleteItem[]> {
    return deleteItems(this.svc.remove(name, { force: o.force }));
  }

  async prune(o: { all?: boolean; filters?: string[] }): Promise<PruneReport> {
    const res = this.svc.prune(o);
    return { ImagesDeleted: deleteItems(res), SpaceReclaimed: res.reclaimed };
  }

  async save(names: string[], format: ArchiveFormat, out: Writable): Promise<void> {
    const { saveImages } = await import('../../images/archive.js');
    await saveImages(this.ctx, names, format, out);
  }

  async load(input: Readable): Promise<string> {
    const { loadImages, loadedLines } = await import('../../images/archive.js');
    return loadedLines(await loadImages(this.ctx, input)).join('');
  }

  async import(o: ImportOptions): Promise<string> {
    const { importImage, importSource } = await import('../../images/import.js');
    return importImage(this.ctx, await importSource(o.source, o.input), {
      changes: o.changes,
      message: o.message,
      tag: o.reference,
      source: o.source,
      platform: await platformOf(o.platform),
    });
  }

  async commit(container: string, o: CommitOptions): Promise<string> {
    const { ContainerFiles } = await import('../../engine/container-files.js');
    return new ContainerFiles(this.ctx).commit(container, o);
  }

  async build(o: BuildOptions, output: BuildOutput): Promise<string> {
    const [{ BuildService }, { BuildError }] = await Promise.all([import('../../engine/builds.js'), import('../../build/builder.js')]);
    try {
      const res = await new BuildService(this.ctx).build({
        context: o.context,
        dockerfile: o.dockerfile,
        tags: o.tags,
        buildArgs: o.buildArgs,
        target: o.target,
        noCache: o.noCache,
        pull: o.pull,
        labels: o.labels,
        secrets: o.secrets,
        network: o.network,
        platform: await platformOf(o.platform),
        onEvent: (e) => output.event(e),
      });
      return res.id;
    } catch (e) {
      throw e instanceof BuildError ? new BuildFailure(e.report()) : e;
    }
  }

  async pruneBuildCache(o: { all: boolean }): Promise<BuildCachePrune> {
    const { BuildService } = await import('../../engine/builds.js');
    const res = new BuildService(this.ctx).prune(o);
    return { CachesDeleted: res.deleted, SpaceReclaimed: res.reclaimed };
  }
}
