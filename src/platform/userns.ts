// Rootless berth lives in one user namespace per user: root inside is the user outside,
// ids 1..N inside are the user's subordinate range (/etc/subuid, /etc/subgid, mapped by
// newuidmap/newgidmap through util-linux `unshare`). A pause process holds that namespace
// and its mount namespace, so every berth command, every monitor and every container of the
// user sees the same mounts and ids: a berth command that is not inside yet runs itself again
// inside it (`nsenter` into the pause process). Nothing here ever needs more privilege than
// the user has.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../errors.js';
import { pidAlive } from '../images/content-store.js';
import { withHostLock } from './hostlock.js';

export interface IdRange {
  inner: number;
  outer: number;
  count: number;
}

export function parseIdMap(text: string): IdRange[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((f) => f.length === 3 && f.every((n) => Number.isFinite(n)))
    .map(([inner, outer, count]) => ({ inner, outer, count }));
}

function readMap(file: string): IdRange[] {
  try {
    return parseIdMap(readFileSync(file, 'utf8'));
  } catch {
    return [{ inner: 0, outer: 0, count: 4294967295 }];
  }
}

/** Whether this process runs in a user namespace other than the host's. */
export function inUserNamespace(): boolean {
  const m = readMap('/proc/self/uid_map');
  return !(m.length === 1 && m[0].inner === 0 && m[0].outer === 0 && m[0].count === 4294967295);
}

/** The host uid of this process's root (or of itself, outside a user namespace). */
export function hostUid(): number {
  const m = readMap('/proc/self/uid_map');
  const uid = process.getuid?.() ?? 0;
  const r = m.find((x) => uid >= x.inner && uid < x.inner + x.count);
  return r ? r.outer + (uid - r.inner) : uid;
}

/** The user's subordinate range in /etc/subuid or /etc/subgid (by name or by id). */
export function subordinateRange(text: string, name: string, id: number): { start: number; count: number } | undefined {
  for (const line of text.split('\n')) {
    const [who, start, count] = line.trim().split(':');
    if ((who === name || who === String(id)) && /^\d+$/.test(start ?? '') && /^\d+$/.test(count ?? '')) return { start: Number(start), count: Number(count) };
  }
  return undefined;
}

function range(file: string, name: string, id: number, what: string): { start: number; count: number } {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    /* no file: no range */
  }
  const r = subordinateRange(text, name, id);
  if (!r) {
    throw new BerthError(
      'unavailable',
      `rootless berth needs subordinate ${what}s for ${name}: add a range to ${file} (for example: usermod --add-sub${what}s 100000-165535 ${name}), then run berth again`,
    );
  }
  return r;
}

/** The pause process holding the user's namespaces: alive, or made now. */
async function pauseProcess(runroot: string): Promise<number> {
  mkdirSync(runroot, { recursive: true, mode: 0o700 });
  const pidFile = join(runroot, 'pause.pid');
  const alive = (): number | undefined => {
    if (!existsSync(pidFile)) return undefined;
    const pid = Number(readFileSync(pidFile, 'utf8'));
    return pid && pidAlive(pid) && existsSync(`/proc/${pid}/ns/user`) ? pid : undefined;
  };
  const found = alive();
  if (found) return found;
  return withHostLock(join(runroot, 'pause.lock'), async () => {
    const again = alive();
    if (again) return again;
    const name = userInfo().username;
    const uid = process.getuid!();
    const gid = process.getgid!();
    const u = range('/etc/subuid', name, uid, 'uid');
    const g = range('/etc/subgid', name, gid, 'gid');
    const child = spawn(
      'unshare',
      ['--user', '--mount', '--propagation', 'private', '--map-root-user', `--map-users=${u.start},1,${u.count}`, `--map-groups=${g.start},1,${g.count}`, '--', 'sleep', 'infinity'],
      { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    // The maps are written once the namespace exists; wait for them before anyone joins.
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new BerthError('runtime', `creating the user namespace (unshare): ${err.trim() || `exit ${child.exitCode}`}`);
      const map = existsSync(`/proc/${child.pid}/uid_map`) ? readMap(`/proc/${child.pid}/uid_map`) : [];
      if (map.length >= 2 && map.some((m) => m.inner === 0 && m.outer === uid)) break;
      if (Date.now() > deadline) throw new BerthError('runtime', 'the user namespace did not come up within 10s');
      await new Promise((r) => setTimeout(r, 5));
    }
    child.stderr!.destroy();
    child.unref();
    writeFileSync(pidFile, String(child.pid));
    return child.pid!;
  });
}

/**
 * Run this same berth command again inside the user's namespace; resolves with its exit code.
 * The child inherits stdio (a terminal stays a terminal) and the parent waits, passing signals.
 */
export async function reexecInUserNamespace(runroot: string, argv: string[]): Promise<number> {
  const pid = await pauseProcess(runroot);
  const ignore = () => undefined;
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) process.on(s, ignore);
  const r = spawnSync('nsenter', ['--user', '--mount', `--target=${pid}`, '--', process.execPath, ...process.execArgv, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, BERTH_HOST_GID: String(process.getgid!()) },
  });
  if (r.error) throw new BerthError('runtime', `entering the user namespace (nsenter): ${r.error.message}`);
  return r.status ?? 128 + 15;
}
