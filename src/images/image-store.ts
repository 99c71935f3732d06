// Image records in SQLite: images (by config digest), their tags and repo digests.
// Resolution of what a user types (name, name:tag, short id, full id, name@digest) to an
// image lives here, once, for every command and the API.
import type { Database } from '../state/db.js';
import { notFound } from '../errors.js';
import type { ImageConfig } from './manifest.js';
import { formatReference, looksLikeImageId, parseReference, repositoryName, type Reference } from './reference.js';
import type { ContentStore, Descriptor } from './content-store.js';

export interface ImageRow {
  id: string;
  manifest_digest: string;
  manifest_media_type: string;
  config: string;
  size: number;
  created: string | null;
  chain_id: string | null;
  parent: string | null;
  added: number;
}

export interface ImageRecord extends Omit<ImageRow, 'config'> {
  config: ImageConfig;
  tags: string[];
  digests: Array<{ repo: string; digest: string }>;
}

export type Resolved =
  | { kind: 'tag'; image: ImageRow; name: string }
  | { kind: 'digest'; image: ImageRow; repo: string; digest: string }
  | { kind: 'id'; image: ImageRow };

export class ImageStore {
  constructor(readonly db: Database) {}

  get(id: string): ImageRow | undefined {
    return this.db.prepare('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
  }

  all(): ImageRow[] {
    return this.db.prepare('SELECT * FROM images').all() as ImageRow[];
  }

  tagsOf(id: string): string[] {
    return (this.db.prepare('SELECT name FROM tags WHERE image_id = ? ORDER BY name').all(id) as Array<{ name: string }>).map((r) => r.name);
  }

  digestsOf(id: string): Array<{ repo: string; digest: string }> {
    return this.db.prepare('SELECT repo, digest FROM repo_digests WHERE image_id = ? ORDER BY repo').all(id) as Array<{ repo: string; digest: string }>;
  }

  record(row: ImageRow): ImageRecord {
    return { ...row, config: JSON.parse(row.config) as ImageConfig, tags: this.tagsOf(row.id), digests: this.digestsOf(row.id) };
  }

  /** Every image with its tags and digests, in three queries (for `images` with many rows). */
  listAll(): ImageRecord[] {
    const tags = new Map<string, string[]>();
    for (const t of this.db.prepare('SELECT name, image_id FROM tags').all() as Array<{ name: string; image_id: string }>) {
      (tags.get(t.image_id) ?? tags.set(t.image_id, []).get(t.image_id)!).push(t.name);
    }
    const digests = new Map<string, Array<{ repo: string; digest: string }>>();
    for (const d of this.db.prepare('SELECT repo, digest, image_id FROM repo_digests').all() as Array<{ repo: string; digest: string; image_id: string }>) {
      (digests.get(d.image_id) ?? digests.set(d.image_id, []).get(d.image_id)!).push({ repo: d.repo, digest: d.digest });
    }
    return this.all().map((row) => ({ ...row, config: JSON.parse(row.config) as ImageConfig, tags: (tags.get(row.id) ?? []).sort(), digests: digests.get(row.id) ?? [] }));
  }

  findByTag(name: string): ImageRow | undefined {
    return this.db.prepare('SELECT images.* FROM tags JOIN images ON images.id = tags.image_id WHERE tags.name = ?').get(name) as ImageRow | undefined;
  }

  findByDigest(repo: string, digest: string): ImageRow | undefined {
    return (
      (this.db.prepare('SELECT images.* FROM repo_digests JOIN images ON images.id = repo_digests.image_id WHERE repo = ? AND digest = ?').get(repo, digest) as ImageRow | undefined) ??
      (this.db.prepare('SELECT * FROM images WHERE manifest_digest = ?').get(digest) as ImageRow | undefined)
    );
  }

  /** Resolve what a user typed. Throws not-found with docker's wording. */
  resolve(input: string): Resolved {
    const r = this.tryResolve(input);
    if (!r) throw notFound(`No such image: ${input}`);
    return r;
  }

  tryResolve(input: string): Resolved | undefined {
    if (looksLikeImageId(input)) {
      const hex = input.replace(/^sha256:/, '');
      if (hex.length === 64 || input.startsWith('sha256:')) {
        const img = this.get(`sha256:${hex}`);
        if (img) return { kind: 'id', image: img };
      }
      if (!input.startsWith('sha256:')) {
        // A bare hex string may be a tag-less name too (docker prefers the image ID).
        const rows = this.db.prepare("SELECT * FROM images WHERE id >= ? AND id < ? LIMIT 2").all(`sha256:${hex}`, `sha256:${hex}g`) as ImageRow[];
        if (rows.length === 1) return { kind: 'id', image: rows[0] };
        if (rows.length > 1) throw notFound(`No such image: ${input} (ambiguous: several images start with it)`);
      }
    }
    let ref: Reference;
    try {
      ref = parseReference(input);
    } catch {
      return undefined;
    }
    if (ref.digest) {
      const img = this.findByDigest(repositoryName(ref), ref.digest);
      return img ? { kind: 'digest', image: img, repo: repositoryName(ref), digest: ref.digest } : undefined;
    }
    const name = formatReference(ref);
    const img = this.findByTag(name);
    return img ? { kind: 'tag', image: img, name } : undefined;
  }

  insert(row: ImageRow): void {
    this.db
      .prepare(
        `INSERT INTO images (id, manifest_digest, manifest_media_type, config, size, created, chain_id, parent, added)
         VALUES (@id, @manifest_digest, @manifest_media_type, @config, @size, @created, @chain_id, @parent, @added)
         ON CONFLICT(id) DO UPDATE SET manifest_digest = excluded.manifest_digest, manifest_media_type = excluded.manifest_media_type`,
      )
      .run(row);
  }

  /** Point a tag at an image; returns the image it pointed to before, if another. */
  setTag(name: string, imageId: string): string | undefined {
    const prev = this.db.prepare('SELECT image_id FROM tags WHERE name = ?').get(name) as { image_id: string } | undefined;
    this.db.prepare('INSERT INTO tags (name, image_id) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id').run(name, imageId);
    return prev && prev.image_id !== imageId ? prev.image_id : undefined;
  }

  addDigest(repo: string, digest: string, imageId: string): void {
    this.db.prepare('INSERT INTO repo_digests (repo, digest, image_id) VALUES (?, ?, ?) ON CONFLICT(repo, digest) DO UPDATE SET image_id = excluded.image_id').run(repo, digest, imageId);
  }

  removeTag(name: string): void {
    this.db.prepare('DELETE FROM tags WHERE name = ?').run(name);
  }

  removeDigest(repo: string, digest: string): void {
    this.db.prepare('DELETE FROM repo_digests WHERE repo = ? AND digest = ?').run(repo, digest);
  }

  /** Drop repo digests of a repository that no longer has a tag on this image (docker untags them together). */
  removeDigestsOfRepo(imageId: string, repo: string): Array<{ repo: string; digest: string }> {
    const rows = this.db.prepare('SELECT repo, digest FROM repo_digests WHERE image_id = ? AND repo = ?').all(imageId, repo) as Array<{ repo: string; digest: string }>;
    this.db.prepare('DELETE FROM repo_digests WHERE image_id = ? AND repo = ?').run(imageId, repo);
    return rows;
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM tags WHERE image_id = ?').run(id);
    this.db.prepare('DELETE FROM repo_digests WHERE image_id = ?').run(id);
    this.db.prepare('DELETE FROM images WHERE id = ?').run(id);
  }

  /** Mirror the tags into the content store's index.json, for skopeo/umoci readers. */
  syncLayoutIndex(content: ContentStore): void {
    const rows = this.db
      .prepare('SELECT images.manifest_digest AS digest, images.manifest_media_type AS mediaType, tags.name AS name FROM images LEFT JOIN tags ON tags.image_id = images.id ORDER BY images.id, tags.name')
      .all() as Array<{ digest: string; mediaType: string; name: string | null }>;
    const manifests: Descriptor[] = [];
    for (const r of rows) {
      let size: number;
      try {
        size = content.size(r.digest);
      } catch {
        continue;
      }
      const d: Descriptor = { mediaType: r.mediaType, digest: r.digest, size };
      if (r.name) d.annotations = { 'org.opencontainers.image.ref.name': r.name };
      manifests.push(d);
    }
    content.writeIndex(manifests);
  }
}
