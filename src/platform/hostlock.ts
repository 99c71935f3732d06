// A lock for resources shared by the whole host, across berth roots and processes (the
// firewall chains netavark shares between all its networks). mkdir is the atomic claim; the
// holder's pid inside lets a waiter break the lock of a process that died.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../errors.js';
import { pidAlive } from '../images/content-store.js';

export async function withHostLock<T>(dir: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir, { mode: 0o700 });
      writeFileSync(join(dir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = 0;
      try {
        owner = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      } catch {
        /* being created right now, or its holder died between mkdir and write */
      }
      if (owner && !pidAlive(owner)) rmSync(dir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new BerthError('unavailable', `${dir} is held by process ${owner || '?'}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
