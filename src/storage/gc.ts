// Leases and garbage collection, safe while other berth processes run.
//
// An operation that adds content (pull, load, import) first takes a lease naming every blob
// and snapshot it will rely on, in one write transaction; only then does it look at what
// exists. GC decides and unlinks inside one write transaction too, sparing whatever a live
// lease names. SQLite serialises the two, so a pull either sees GC's result (and fetches
// again) or GC sees the pull's lease (and spares it).
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeTx, type Database } from '../state/db.js';
import { pidAlive, type ContentStore } from '../images/content-store.js';
import type { Manifest, ImageConfig } from '../images/manifest.js';
import { chainIds, type Snapshotter } from './snapshots.js';
import { log } from '../util/log.js';

export type LeaseKind = 'blob' | 'snapshot';

export class Lease {
  private constructor(private readonly db: Database, readonly id: string) {}

  static take(db: Database, refs: Array<[LeaseKind, string]> = []): Lease {
    const lease = new Lease(db, `${process.pid}-${randomBytes(6).toString('hex')}`);
    writeTx(db, () => {
      db.prepare('INSERT INTO leases (id, pid, created) VALUES (?, ?, ?)').run(lease.id, process.pid, Date.now());
      lease.addNoTx(refs);
    });
    return lease;
  }

  add(refs: Array<[LeaseKind, string]>): void {
    writeTx(this.db, () => this.addNoTx(refs));
  }

  private addNoTx(refs: Array<[LeaseKind, string]>): void {
    const st = this.db.prepare('INSERT OR IGNORE INTO lease_refs (lease_id, kind, key) VALUES (?, ?, ?)');
    for (const [k, key] of refs) st.run(this.id, k, key);
  }

  release(): void {
    this.db.prepare('DELETE FROM leases WHERE id = ?').run(this.id);
  }
}

export interface GcResult {
  blobs: number;
  /** chain ids of the snapshots removed */
  snapshots: string[];
  /** uncompressed bytes of the snapshots removed (what docker reports as reclaimed) */
  bytes: number;
}

/** What images reference: blobs (manifests, configs, layers, index digests) and snapshots. */
function referenced(db: Database, content: ContentStore): { blobs: Set<string>; snaps: Set<string> } {
  const blobs = new Set<string>();
  const snaps = new Set<string>();
  for (const row of db.prepare('SELECT id, manifest_digest, config FROM images').all() as Array<{ id: string; manifest_digest: string; config: string }>) {
    blobs.add(row.id);
    blobs.add(row.manifest_digest);
    try {
      const m = content.readJson<Manifest>(row.manifest_digest);
      for (const l of m.layers) blobs.add(l.digest);
    } catch {
      /* manifest blob missing: nothing more to keep for it */
    }
    const cfg = JSON.parse(row.config) as ImageConfig;
    for (const c of chainIds(cfg.rootfs?.diff_ids ?? [])) snaps.add(c);
  }
  for (const r of db.prepare('SELECT digest FROM repo_digests').all() as Array<{ digest: string }>) blobs.add(r.digest);
  // (Images used by containers are never deleted, so their snapshots stay referenced above.)
  for (const l of db.prepare('SELECT id, pid FROM leases').all() as Array<{ id: string; pid: number }>) {
    if (!pidAlive(l.pid)) {
      db.prepare('DELETE FROM leases WHERE id = ?').run(l.id);
      continue;
    }
    for (const r of db.prepare('SELECT kind, key FROM lease_refs WHERE lease_id = ?').all(l.id) as Array<{ kind: LeaseKind; key: string }>) {
      (r.kind === 'blob' ? blobs : snaps).add(r.key);
    }
  }
  return { blobs, snaps };
}

export function collectGarbage(db: Database, content: ContentStore, snapshots: Snapshotter, storageTmp: string): GcResult {
  const doomedDirs: string[] = [];
  const result: GcResult = { blobs: 0, snapshots: [], bytes: 0 };
  writeTx(db, () => {
    const { blobs, snaps } = referenced(db, content);
    const rows = db.prepare('SELECT chain_id, size FROM snapshots').all() as Array<{ chain_id: string; size: number }>;
    const known = new Set(rows.map((r) => r.chain_id));
    for (const r of rows) {
      if (snaps.has(r.chain_id)) continue;
      db.prepare('DELETE FROM snapshots WHERE chain_id = ?').run(r.chain_id);
      result.snapshots.push(r.chain_id);
      result.bytes += r.size;
    }
    for (const c of snapshots.committed()) {
      if (snaps.has(c) && known.has(c)) continue;
      const dir = join(snapshots.dir, c.replace(/^sha256:/, ''));
      const grave = join(storageTmp, `gc-${process.pid}-${randomBytes(4).toString('hex')}`);
      if (existsSync(dir)) {
        renameSync(dir, grave);
        doomedDirs.push(grave);
      }
    }
    for (const b of content.listBlobs()) {
      if (blobs.has(b)) continue;
      content.remove(b);
      result.blobs++;
    }
  });
  for (const d of doomedDirs) rmSync(d, { recursive: true, force: true });
  sweepTemporaries(content, snapshots);
  log.debug(`gc: removed ${result.blobs} blobs and ${result.snapshots.length} snapshots (${result.bytes} bytes)`);
  return result;
}

/** Remove what operations that died (kill -9) left in the temporary areas; cheap, two readdirs. */
export function sweepTemporaries(content: ContentStore, snapshots: Snapshotter): void {
  for (const d of [...snapshots.staleTemporaries(), ...content.staleIngests()]) rmSync(d, { recursive: true, force: true });
}
