// Named volumes, local driver: <root>/volumes/<name>/_data, optionally a tmpfs or a bind of a
// host directory (docker's `-o type=tmpfs -o device=tmpfs -o o=size=64m`, or
// `-o type=none -o o=bind -o device=/path`), mounted on first use.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../state/db.js';
import { writeTx } from '../state/db.js';
import { conflict, invalid, notFound } from '../errors.js';
import { isMountPoint, mountFs, unmount } from '../platform/mount.js';

export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  Scope: 'local';
  Anonymous: boolean;
  Populated: boolean;
}

interface Row {
  name: string;
  driver: string;
  created: string;
  labels: string;
  options: string;
  anonymous: number;
  populated: number;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export class VolumeStore {
  constructor(private readonly db: Database, private readonly root: string) {}

  dir(name: string): string {
    return join(this.root, 'volumes', name, '_data');
  }

  private fromRow(r: Row): Volume {
    return { Name: r.name, Driver: r.driver, Mountpoint: this.dir(r.name), CreatedAt: r.created, Labels: JSON.parse(r.labels), Options: JSON.parse(r.options), Scope: 'local', Anonymous: Boolean(r.anonymous), Populated: Boolean(r.populated) };
  }

  get(name: string): Volume | undefined {
    const r = this.db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as Row | undefined;
    return r && this.fromRow(r);
  }

  inspect(name: string): Volume {
    const v = this.get(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return v;
  }

  all(): Volume[] {
    return (this.db.prepare('SELECT * FROM volumes ORDER BY name').all() as Row[]).map((r) => this.fromRow(r));
  }

  /** Create (or return the existing) volume. */
  create(o: { name?: string; driver?: string; labels?: Record<string, string>; options?: Record<string, string>; anonymous?: boolean }): Volume {
    const driver = o.driver ?? 'local';
    if (driver !== 'local') throw invalid(`volume driver "${driver}" is not supported (local)`);
    const name = o.name ?? randomBytes(32).toString('hex');
    if (!NAME.test(name)) throw invalid(`"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
    for (const k of Object.keys(o.options ?? {})) if (!['type', 'device', 'o'].includes(k)) throw invalid(`invalid option key: "${k}"`);
    return writeTx(this.db, () => {
      const existing = this.get(name);
      if (existing) return existing;
      mkdirSync(this.dir(name), { recursive: true, mode: 0o755 });
      this.db.prepare('INSERT INTO volumes (name, driver, created, labels, options, anonymous) VALUES (?, ?, ?, ?, ?, ?)').run(name, driver, new Date().toISOString(), JSON.stringify(o.labels ?? {}), JSON.stringify(o.options ?? {}), o.anonymous ? 1 : 0);
      return this.get(name)!;
    });
  }

  /** Mount a volume that has driver options, once. */
  async ensureMounted(v: Volume): Promise<void> {
    const { type, device, o } = v.Options;
    if (!type && !device) return;
    if (isMountPoint(v.Mountpoint)) return;
    const opts = (o ?? '').split(',').filter(Boolean);
    if (opts.includes('bind')) await mountFs(device ?? '', v.Mountpoint, 'none', opts);
    else await mountFs(device ?? type ?? 'none', v.Mountpoint, type ?? 'none', opts);
  }

  markPopulated(name: string): void {
    this.db.prepare('UPDATE volumes SET populated = 1 WHERE name = ?').run(name);
  }

  isEmpty(name: string): boolean {
    try {
      return readdirSync(this.dir(name)).length === 0;
    } catch {
      return true;
    }
  }

  /** Remove a volume no container uses (`inUse` names the user, if any). */
  async remove(name: string, inUse: string | undefined): Promise<void> {
    const v = this.inspect(name);
    if (inUse) throw conflict(`remove ${name}: volume is in use - [${inUse}]`);
    await unmount(v.Mountpoint);
    this.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
    rmSync(join(this.root, 'volumes', name), { recursive: true, force: true });
  }
}
