// Snapshots: each layer unpacked once, in overlay form, under
// <root>/storage/overlay/<chain-id hex>/diff, shared by every image whose layer chain
// reaches it. A snapshot is built in storage/tmp and renamed into place only when its
// layer verified; the SQLite row is written after the rename, so a row always means a
// complete directory (a directory without a row is garbage for GC).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../state/db.js';
import { pidAlive } from '../images/content-store.js';
import { markTopDirectory } from '../platform/fsnodes.js';

export interface SnapshotRow {
  chain_id: string;
  parent: string | null;
  diff_id: string;
  size: number;
  created: number;
}

/** chainID(L0) = diffID(L0); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev ? 'sha256:' + createHash('sha256').update(`${prev} ${d}`).digest('hex') : d);
  }
  return out;
}

export class Snapshotter {
  readonly dir: string;
  private readonly tmpDir: string;

  constructor(root: string, private readonly db: Database) {
    this.dir = join(root, 'storage', 'overlay');
    this.tmpDir = join(root, 'storage', 'tmp');
    if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (!existsSync(this.tmpDir)) {
      mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
      markTopDirectory(this.tmpDir);
    }
  }

  diffPath(chainId: string): string {
    return join(this.dir, chainId.replace(/^sha256:/, ''), 'diff');
  }

  get(chainId: string): SnapshotRow | undefined {
    return this.db.prepare('SELECT * FROM snapshots WHERE chain_id = ?').get(chainId) as SnapshotRow | undefined;
  }

  has(chainId: string): boolean {
    return this.get(chainId) !== undefined && existsSync(this.diffPath(chainId));
  }

  /** A fresh directory to unpack a layer into; its name carries our pid for crash cleanup. */
  prepare(): { root: string; diff: string } {
    const root = join(this.tmpDir, `${process.pid}-${randomBytes(6).toString('hex')}`);
    const diff = join(root, 'diff');
    mkdirSync(diff, { recursive: true, mode: 0o755 });
    return { root, diff };
  }

  /** Move a verified unpack into place and record it. Idempotent under races. */
  commit(prepared: { root: string }, row: Omit<SnapshotRow, 'created'>): void {
    const final = join(this.dir, row.chain_id.replace(/^sha256:/, ''));
    if (existsSync(final)) {
      rmSync(prepared.root, { recursive: true, force: true });
    } else {
      try {
        renameSync(prepared.root, final);
      } catch (e) {
        if (!existsSync(final)) throw e;
        rmSync(prepared.root, { recursive: true, force: true });
      }
    }
    this.db
      .prepare('INSERT OR IGNORE INTO snapshots (chain_id, parent, diff_id, size, created) VALUES (?, ?, ?, ?, ?)')
      .run(row.chain_id, row.parent, row.diff_id, row.size, Date.now());
  }

  discard(prepared: { root: string }): void {
    rmSync(prepared.root, { recursive: true, force: true });
  }

  /** Remove a snapshot: the row first, then the directory (a dir without a row is garbage anyway). */
  remove(chainId: string): void {
    this.db.prepare('DELETE FROM snapshots WHERE chain_id = ?').run(chainId);
    rmSync(join(this.dir, chainId.replace(/^sha256:/, '')), { recursive: true, force: true });
  }

  /** Snapshot directories on disk, by chain id. */
  committed(): string[] {
    return readdirSync(this.dir).map((h) => `sha256:${h}`);
  }

  /** Temporaries whose owner process is gone (named <pid>-...). */
  staleTemporaries(): string[] {
    return readdirSync(this.tmpDir)
      .filter((n) => !pidAlive(Number(n.split('-')[0])))
      .map((n) => join(this.tmpDir, n));
  }
}
