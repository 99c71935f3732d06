// The volume service: `berth volume ...` and the API's /volumes, plus what containers need
// (creating their volumes, knowing who uses one).
import type { EngineContext } from './context.js';
import { VolumeStore, type Volume } from '../volumes/volumes.js';
import { labelMatches, parseBool, parseFilters } from '../images/filters.js';
import type { HostConfig } from '../containers/model.js';

export const VOLUME_FILTERS = ['dangling', 'name', 'label', 'driver'] as const;

export class VolumeService {
  readonly store: VolumeStore;
  constructor(private readonly ctx: EngineContext) {
    this.store = new VolumeStore(ctx.db, ctx.config.root);
  }

  /** Container names by the volumes they mount. */
  usage(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of this.ctx.db.prepare('SELECT name, host_config FROM containers').all() as Array<{ name: string; host_config: string }>) {
      for (const m of (JSON.parse(r.host_config) as HostConfig).Mounts ?? []) {
        if (m.Type === 'volume') (out.get(m.Source) ?? out.set(m.Source, []).get(m.Source)!).push(r.name);
      }
    }
    return out;
  }

  create(o: Parameters<VolumeStore['create']>[0]): Volume {
    const v = this.store.create(o);
    this.ctx.events.emit('volume', 'create', v.Name, { driver: v.Driver });
    return v;
  }

  list(filters: string[] = []): Volume[] {
    const f = parseFilters(filters, VOLUME_FILTERS);
    const used = this.usage();
    return this.store.all().filter((v) => {
      const d = f.get('dangling');
      if (d && parseBool('dangling', d[d.length - 1]) === used.has(v.Name)) return false;
      if (f.has('name') && !f.get('name')!.some((n) => v.Name.includes(n))) return false;
      if (f.has('driver') && !f.get('driver')!.includes(v.Driver)) return false;
      return (f.get('label') ?? []).every((l) => labelMatches(v.Labels, l));
    });
  }

  async remove(name: string, force = false): Promise<void> {
    const users = this.usage().get(name);
    if (force && !this.store.get(name)) return;
    await this.store.remove(name, users?.join(', '));
    this.ctx.events.emit('volume', 'destroy', name, {});
  }

  /** Remove unused volumes: anonymous ones, or all with `all` (docker 23+). */
  async prune(o: { all: boolean; filters: string[] }): Promise<string[]> {
    const used = this.usage();
    const removed: string[] = [];
    for (const v of this.list(o.filters.filter((x) => !x.startsWith('all=')))) {
      if (used.has(v.Name) || (!o.all && !v.Anonymous)) continue;
      await this.store.remove(v.Name, undefined);
      this.ctx.events.emit('volume', 'destroy', v.Name, {});
      removed.push(v.Name);
    }
    return removed;
  }
}
