// Push: the stored manifest, config and layer blobs exactly as they are, so the digests a
// registry reports equal the local ones. Blobs the registry has are skipped; blobs the
// image was pulled with from another repository of the same registry are mounted.
import { invalid, notFound } from '../errors.js';
import type { EngineContext } from '../engine/context.js';
import type { Descriptor } from './content-store.js';
import type { Manifest } from './manifest.js';
import { familiarName, formatReference, parseReference, repositoryName } from './reference.js';
import { shortDigest, type ProgressSink } from './progress.js';

export interface PushResult {
  reference: string;
  tag: string;
  digest: string;
  size: number;
}

export async function pushImage(ctx: EngineContext, input: string, onProgress: ProgressSink, opts: { allTags?: boolean } = {}): Promise<PushResult[]> {
  const ref = parseReference(input, { defaultTag: !opts.allTags });
  if (ref.digest) throw invalid(`cannot push a digest reference: ${input}`);
  if (opts.allTags && ref.tag) throw invalid('tag can\'t be used with --all-tags/-a');
  const repo = repositoryName(ref);
  let tags: string[];
  if (ref.tag) tags = [ref.tag];
  else {
    tags = (ctx.db.prepare('SELECT name FROM tags WHERE name LIKE ?').all(`${repo}:%`) as Array<{ name: string }>).map((r) => r.name.slice(repo.length + 1)).filter((t) => !t.includes('/'));
    if (!tags.length) throw notFound(`An image does not exist locally with the tag: ${familiarName(repo)}`);
  }
  onProgress({ status: `The push refers to repository [${familiarName(repo)}]` });
  const client = await ctx.repository(ref);
  const results: PushResult[] = [];
  for (const tag of tags) {
    const img = ctx.images.findByTag(`${repo}:${tag}`);
    if (!img) throw notFound(`An image does not exist locally with the tag: ${familiarName(repo)}:${tag}`);
    const manifestBody = ctx.content.read(img.manifest_digest);
    const manifest = JSON.parse(manifestBody.toString('utf8')) as Manifest;
    // Other repositories of the same registry this image came from: mount sources.
    const sources = ctx.images
      .digestsOf(img.id)
      .map((d) => d.repo)
      .filter((r) => r !== repo && r.startsWith(ref.domain + '/'))
      .map((r) => r.slice(ref.domain.length + 1));
    const pushBlob = async (d: Descriptor, show: boolean) => {
      const id = shortDigest(d.digest);
      if (show) onProgress({ status: 'Preparing', id });
      if (await client.hasBlob(d.digest)) {
        if (show) onProgress({ status: 'Layer already exists', id });
        return;
      }
      for (const from of sources) {
        if (await client.mountBlob(d.digest, from)) {
          if (show) onProgress({ status: `Mounted from ${from}`, id });
          return;
        }
      }
      if (!ctx.content.has(d.digest)) throw notFound(`blob ${d.digest} of ${familiarName(repo)}:${tag} is missing from the local store`);
      if (show) onProgress({ status: 'Pushing', id, progressDetail: { current: 0, total: d.size } });
      await client.uploadBlob(d.digest, d.size, () => ctx.content.stream(d.digest));
      if (show) onProgress({ status: 'Pushed', id });
    };
    await Promise.all(manifest.layers.map((l) => pushBlob(l, true)));
    await pushBlob(manifest.config, false);
    await client.putManifest(tag, manifestBody, img.manifest_media_type);
    ctx.images.addDigest(repo, img.manifest_digest, img.id);
    ctx.events.emit('image', 'push', formatReference({ ...ref, tag }), { name: formatReference({ ...ref, tag }) });
    onProgress({ status: `${tag}: digest: ${img.manifest_digest} size: ${manifestBody.length}` });
    results.push({ reference: formatReference({ ...ref, tag }), tag, digest: img.manifest_digest, size: manifestBody.length });
  }
  return results;
}
