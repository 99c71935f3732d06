// ImageService as translations to berth's image store and ImageService (src/engine/images.ts).
// An image's CRI id is berth's image id (its config digest); repo tags and digests are the
// canonical names berth stores (docker.io/library/busybox:latest).
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RequestContext, type EngineContext } from '../engine/context.js';
import { ImageService } from '../engine/images.js';
import { ContainerStore } from '../containers/store.js';
import type { Credentials } from '../images/registry/credentials.js';
import type { ImageRecord } from '../images/image-store.js';
import { pullImage } from '../images/pull.js';
import { parseReference } from '../images/reference.js';
import { conflict, invalid } from '../errors.js';
import type { AuthConfig, ImageSpec, Req } from './proto.js';

function toImage(rec: ImageRecord) {
  const user = rec.config.config?.User ?? '';
  const name = user.split(':')[0];
  const numeric = /^\d+$/.test(name);
  return {
    id: rec.id,
    repo_tags: rec.tags,
    repo_digests: rec.digests.map((d) => `${d.repo}@${d.digest}`),
    size: String(rec.size),
    uid: numeric ? { value: name } : null,
    username: numeric ? '' : name,
    spec: { image: rec.id, annotations: {} },
    pinned: false,
  };
}

function findImage(ctx: EngineContext, spec: ImageSpec | null | undefined): ImageRecord | undefined {
  const name = spec?.image;
  if (!name) throw invalid('ImageSpec.image is required');
  let r;
  try {
    r = ctx.images.tryResolve(name);
  } catch {
    return undefined; // an ambiguous short id, or a name that does not parse: not present
  }
  return r ? ctx.images.record(r.image) : undefined;
}

export async function listImages(ctx: EngineContext, req: Req): Promise<object> {
  const filter = (req.filter as { image: ImageSpec | null } | null)?.image;
  const only = filter?.image ? findImage(ctx, filter)?.id ?? '-' : undefined;
  const images = new ImageService(ctx).list().filter((i) => !only || i.id === only);
  return { images: images.map((i) => toImage(i.record)) };
}

export async function imageStatus(ctx: EngineContext, req: Req): Promise<object> {
  const rec = findImage(ctx, req.image as ImageSpec | null);
  // CRI: an image that is not present is an empty answer, not an error.
  if (!rec) return { image: null, info: {} };
  return { image: toImage(rec), info: req.verbose ? { info: JSON.stringify({ config: rec.config, manifestDigest: rec.manifest_digest }) } : {} };
}

function credentialsOf(a: AuthConfig | null | undefined): Credentials | undefined {
  if (!a) return undefined;
  if (a.username || a.password) return { username: a.username, password: a.password };
  if (a.auth) {
    const plain = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i < 0) throw invalid('AuthConfig.auth is not base64 of user:password');
    return { username: plain.slice(0, i), password: plain.slice(i + 1) };
  }
  if (a.identity_token) return { username: '', password: '', identityToken: a.identity_token };
  if (a.registry_token) throw invalid('AuthConfig.registry_token is not supported: pass username and password or an identity token');
  return undefined;
}

export async function pull(ctx: EngineContext, req: Req): Promise<{ image_ref: string }> {
  const spec = req.image as ImageSpec | null;
  if (!spec?.image) throw invalid('ImageSpec.image is required');
  const ref = parseReference(spec.image);
  const creds = credentialsOf(req.auth as AuthConfig | null);
  const engine = creds ? new RequestContext(ctx, creds) : ctx;
  try {
    const res = await pullImage(engine, ref, { onProgress: () => undefined });
    return { image_ref: res.id };
  } finally {
    if (engine !== ctx) engine.close();
  }
}

export async function removeImage(ctx: EngineContext, req: Req): Promise<object> {
  const rec = findImage(ctx, req.image as ImageSpec | null);
  if (!rec) return {}; // CRI: removing an image that is not there is not an error
  const users = new ContainerStore(ctx.db).all().filter((c) => c.imageId === rec.id);
  if (users.length) throw conflict(`image ${rec.id} is in use by container ${users[0].id}`);
  // Every name of the image goes with it (CRI removes images, not tags).
  new ImageService(ctx).remove(rec.id, { force: true });
  return {};
}

/** Bytes (allocated) and inodes under a directory. */
async function usage(dir: string): Promise<{ bytes: number; inodes: number }> {
  let bytes = 0;
  let inodes = 0;
  const seen = new Set<number>();
  const visit = async (p: string): Promise<void> => {
    const st = await lstat(p).catch(() => undefined);
    if (!st || seen.has(st.ino)) return;
    seen.add(st.ino);
    inodes++;
    bytes += st.blocks * 512;
    if (!st.isDirectory()) return;
    for (const n of await readdir(p).catch(() => [] as string[])) await visit(join(p, n));
  };
  await visit(dir);
  return { bytes, inodes };
}

let fsCache: { at: number; root: string; value: object } | undefined;

/** The image store's usage (content blobs and snapshots), measured at most every 10 s: kubelet asks often. */
export async function imageFsInfo(ctx: EngineContext): Promise<object> {
  const now = Date.now();
  if (fsCache && fsCache.root === ctx.config.root && now - fsCache.at < 10_000) return fsCache.value;
  const dirs = [join(ctx.config.root, 'content'), join(ctx.config.root, 'storage')];
  let bytes = 0;
  let inodes = 0;
  for (const d of dirs) {
    const u = await usage(d);
    bytes += u.bytes;
    inodes += u.inodes;
  }
  const value = {
    image_filesystems: [{ timestamp: (BigInt(now) * 1_000_000n).toString(), fs_id: { mountpoint: ctx.config.root }, used_bytes: { value: String(bytes) }, inodes_used: { value: String(inodes) } }],
    container_filesystems: [],
  };
  fsCache = { at: now, root: ctx.config.root, value };
  return value;
}
