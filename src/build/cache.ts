// The build cache: one row per step result, keyed by (parent key, instruction, inputs).
// Rows name layers but do not keep them alive: a layer that garbage collection reclaimed
// (no image uses it any more) makes its rows misses, checked at lookup.
import type { Database } from '../state/db.js';
import type { Descriptor } from '../images/content-store.js';
import type { ImageConfig } from '../images/manifest.js';

export class BuildCache {
  constructor(private readonly db: Database) {}

  get(key: string): { config: ImageConfig; layers: Descriptor[] } | undefined {
    const row = this.db.prepare('SELECT config, layers FROM build_cache WHERE key = ?').get(key) as { config: string; layers: string } | undefined;
    if (!row) return undefined;
    this.db.prepare('UPDATE build_cache SET used = ? WHERE key = ?').run(Date.now(), key);
    return { config: JSON.parse(row.config) as ImageConfig, layers: JSON.parse(row.layers) as Descriptor[] };
  }

  put(key: string, config: ImageConfig, layers: Descriptor[]): void {
    const now = Date.now();
    this.db.prepare('INSERT OR REPLACE INTO build_cache (key, config, layers, created, used) VALUES (?, ?, ?, ?, ?)').run(key, JSON.stringify(config), JSON.stringify(layers), now, now);
  }

  /** Forget entries (all, or those unused since `before` ms); returns their keys. */
  prune(before?: number): string[] {
    const rows = (before === undefined ? this.db.prepare('DELETE FROM build_cache RETURNING key').all() : this.db.prepare('DELETE FROM build_cache WHERE used < ? RETURNING key').all(before)) as Array<{ key: string }>;
    return rows.map((r) => r.key);
  }

  /** Drop entries naming a layer blob that is gone; returns their keys. */
  dropMissing(has: (digest: string) => boolean): string[] {
    const rows = this.db.prepare('SELECT key, layers FROM build_cache').all() as Array<{ key: string; layers: string }>;
    const del = this.db.prepare('DELETE FROM build_cache WHERE key = ?');
    const dropped: string[] = [];
    for (const r of rows) {
      if ((JSON.parse(r.layers) as Descriptor[]).some((l) => !has(l.digest)) && del.run(r.key).changes) dropped.push(r.key);
    }
    return dropped;
  }
}
