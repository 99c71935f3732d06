// Cross-process locks kept in SQLite: a row naming the holder's pid, so a holder that died
// never blocks anyone. Re-entrant within a process. Used to keep a container's start and
// cleanup apart, and to serialise netavark (its first setup of a network is not safe to run
// twice at once).
import { BerthError } from '../errors.js';
import { pidAlive } from '../images/content-store.js';
import type { Database } from './db.js';

const held = new Map<string, number>();

export async function withLock<T>(db: Database, key: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const depth = held.get(key) ?? 0;
  if (depth === 0) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = db
        .transaction(() => {
          const row = db.prepare('SELECT pid FROM container_locks WHERE container_id = ?').get(key) as { pid: number } | undefined;
          if (row && row.pid !== process.pid && pidAlive(row.pid)) return false;
          db.prepare('INSERT OR REPLACE INTO container_locks (container_id, pid) VALUES (?, ?)').run(key, process.pid);
          return true;
        })
        .immediate();
      if (got) break;
      if (Date.now() > deadline) throw new BerthError('unavailable', `${key} is busy (another berth process holds it)`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  held.set(key, depth + 1);
  try {
    return await fn();
  } finally {
    const d = (held.get(key) ?? 1) - 1;
    if (d === 0) {
      held.delete(key);
      db.prepare('DELETE FROM container_locks WHERE container_id = ? AND pid = ?').run(key, process.pid);
    } else held.set(key, d);
  }
}

/** Whether a live process (this one or another) holds `key` now. */
export function lockHeld(db: Database, key: string): boolean {
  if (held.has(key)) return true;
  const row = db.prepare('SELECT pid FROM container_locks WHERE container_id = ?').get(key) as { pid: number } | undefined;
  return !!row && pidAlive(row.pid);
}
