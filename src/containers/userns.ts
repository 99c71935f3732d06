// --userns for a container. As root berth does not remap (host). Rootless, a container shares
// the user's namespace by default (its root is the user); `keep-id` gives it a namespace of
// its own in which the user's own uid and gid are themselves, so files in bind mounts keep
// their owner, as podman does.
import { invalid } from '../errors.js';
import { hostUid, parseIdMap, type IdRange } from '../platform/userns.js';
import { readFileSync } from 'node:fs';

export interface UsernsMappings {
  uid: Array<{ containerID: number; hostID: number; size: number }>;
  gid: Array<{ containerID: number; hostID: number; size: number }>;
  /** the user the process runs as unless -u says otherwise */
  user: { uid: number; gid: number };
}

export function checkUsernsMode(mode: string | undefined, rootless: boolean): void {
  if (!mode || mode === 'host') return;
  if (mode === 'keep-id') {
    if (!rootless) throw invalid('--userns=keep-id is for rootless berth (as root there is no user to keep)');
    return;
  }
  if (mode === 'auto' || mode.startsWith('auto:')) {
    // A namespace of its own needs the container's root to reach its files through directories
    // only the user may enter (the runtime dir is 0700), and an id-shifted view of the image.
    throw invalid('--userns=auto is not supported by berth yet (its containers\' roots could not reach their own files under your 0700 runtime directory): use keep-id, or the default (the container\'s root is your user)');
  }
  throw invalid(`invalid --userns "${mode}": use host${rootless ? ' or keep-id' : ''}`);
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

export function usernsMappings(mode: string | undefined): UsernsMappings | undefined {
  if (mode !== 'keep-id') return undefined;
  const uid = hostUid();
  const gid = Number(process.env.BERTH_HOST_GID ?? uid);
  return { uid: keepIdMappings(uid, total('/proc/self/uid_map')), gid: keepIdMappings(gid, total('/proc/self/gid_map')), user: { uid, gid } };
}
