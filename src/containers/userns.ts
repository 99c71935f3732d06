// --userns for a container. As root berth does not remap (host). Rootless, a container shares
// the user's namespace by default (its root is the user); `keep-id` gives it a namespace of
// its own in which the user's own uid and gid are themselves, so files in bind mounts keep
// their owner, as podman does; `auto` gives it a slice of the user's subordinate ids that no
// other container holds, its image seen through fuse-overlayfs's id mapping (no copy, no
// chown), and its root filesystem and /etc files where its root can reach them.
import { invalid } from '../errors.js';
import { hostUid, parseIdMap, type IdRange } from '../platform/userns.js';
import { readFileSync } from 'node:fs';

export interface UsernsMappings {
  uid: Array<{ containerID: number; hostID: number; size: number }>;
  gid: Array<{ containerID: number; hostID: number; size: number }>;
  /** the user the process runs as unless -u says otherwise (keep-id) */
  user?: { uid: number; gid: number };
}

/** The ids a --userns=auto container holds in the user's namespace. */
export interface IdSlice {
  base: number;
  size: number;
}

/** What --userns=auto gives when it names no size (podman's minimum). */
export const AUTO_SIZE = 1024;

export function checkUsernsMode(mode: string | undefined, rootless: boolean): void {
  if (!mode || mode === 'host') return;
  if (mode === 'keep-id') {
    if (!rootless) throw invalid('--userns=keep-id is for rootless berth (as root there is no user to keep)');
    return;
  }
  if (mode === 'auto' || mode.startsWith('auto:')) {
    if (!rootless) throw invalid('--userns=auto is for rootless berth (as root berth does not remap users)');
    autoSize(mode);
    return;
  }
  throw invalid(`invalid --userns "${mode}": use host${rootless ? ', keep-id or auto[:size=N]' : ''}`);
}

/** keep-id within a namespace holding ids 0..total-1: `id` maps to 0 (the user), the rest shift around it. */
export function keepIdMappings(id: number, total: number): Array<{ containerID: number; hostID: number; size: number }> {
  const out = [];
  if (id > 0) out.push({ containerID: 0, hostID: 1, size: Math.min(id, total - 1) });
  out.push({ containerID: id, hostID: 0, size: 1 });
  if (total - 1 - id > 0) out.push({ containerID: id + 1, hostID: id + 1, size: total - 1 - id });
  return out;
}

function total(file: string): number {
  try {
    return parseIdMap(readFileSync(file, 'utf8')).reduce((n: number, r: IdRange) => Math.max(n, r.inner + r.count), 0);
  } catch {
    return 1;
  }
}

/** auto[:size=N]: how many ids the container gets. */
export function autoSize(mode: string): number {
  const m = /^auto(?::size=(\d+))?$/.exec(mode);
  if (!m) throw invalid(`invalid --userns "${mode}": use auto or auto:size=N`);
  const size = m[1] ? Number(m[1]) : AUTO_SIZE;
  if (size < 1 || size > 65536) throw invalid(`invalid --userns "${mode}": the size must be 1..65536`);
  return size;
}

/** The lowest slice of `size` ids within 1..total-1 that overlaps none in `used`. */
export function allocateSlice(used: IdSlice[], size: number, total: number): IdSlice {
  let base = 1;
  for (const u of [...used].sort((a, b) => a.base - b.base)) {
    if (base + size <= u.base) break;
    base = Math.max(base, u.base + u.size);
  }
  if (base + size > total) throw invalid(`--userns=auto: no ${size} ids left in your subordinate range (${total - 1} ids; ${used.length} containers hold slices): remove some, or ask for fewer with auto:size=N`);
  return { base, size };
}

/** How many ids the user's namespace holds (0 is the user, 1.. the subordinate range). */
export function usernsTotal(): number {
  return total('/proc/self/uid_map');
}

export function usernsMappings(mode: string | undefined, slice?: IdSlice): UsernsMappings | undefined {
  if (mode?.startsWith('auto') && slice) {
    const m = [{ containerID: 0, hostID: slice.base, size: slice.size }];
    return { uid: m, gid: m };
  }
  if (mode !== 'keep-id') return undefined;
  const uid = hostUid();
  const gid = Number(process.env.BERTH_HOST_GID ?? uid);
  return { uid: keepIdMappings(uid, total('/proc/self/uid_map')), gid: keepIdMappings(gid, total('/proc/self/gid_map')), user: { uid, gid } };
}
