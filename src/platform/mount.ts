// Mounting and unmounting: the only place that runs mount(8)/umount(8) (Node has no mount
// syscall). argv arrays only.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BerthError } from '../errors.js';
import { rootlessOverlayMode, unprivilegedOverlay } from '../storage/overlay-xattr.js';

const run = promisify(execFile);

/**
 * Mount an overlay (read-only when there is no upper directory). Lower directories are given
 * relative to `cwd` (the snapshot root), which keeps the option string short: the kernel caps
 * it at one page. Rootless, the kernel's overlay is used inside the user namespace (>= 5.11,
 * `userxattr`); where it refuses, or when the config asks for it, fuse-overlayfs does the job.
 * `volatile` (a container that is removed when it stops) skips the kernel overlay's sync of
 * the upper filesystem, which makes the unmount cost a sync of the host's disk.
 */
export async function mountOverlay(target: string, lowers: string[], upper: string | undefined, work: string | undefined, cwd: string, opts: { idmap?: string; volatile?: boolean } = {}): Promise<void> {
  const { idmap } = opts;
  const layers = `lowerdir=${lowers.join(':')}${upper ? `,upperdir=${upper},workdir=${work}` : ''}${idmap ? `,uidmapping=${idmap},gidmapping=${idmap}` : ''}`;
  if (layers.length > 4000) throw new BerthError('invalid-argument', `too many layers for one overlay mount (${lowers.length})`);
  // An id-shifted view (--userns=auto) is fuse-overlayfs's: the kernel's overlay takes no mapping here.
  const mode = idmap ? 'fuse-overlayfs' : unprivilegedOverlay() ? rootlessOverlayMode() : 'native';
  let nativeError: unknown;
  if (mode !== 'fuse-overlayfs') {
    const volatile = opts.volatile && upper && work && volatileOverlay();
    // A volatile upper leaves work/incompat/volatile behind, and the kernel refuses to mount it
    // again until it is gone (its contents are not to be trusted after a crash; this one is disposable).
    if (volatile) rmSync(join(work, 'incompat'), { recursive: true, force: true });
    try {
      await run('mount', ['-t', 'overlay', 'overlay', '-o', `${layers}${unprivilegedOverlay() ? ',userxattr' : ''}${volatile ? ',volatile' : ''}`, target], { cwd });
      return;
    } catch (e) {
      if (mode === 'native') throw mountFailure(e);
      nativeError = e;
    }
  }
  try {
    await run('fuse-overlayfs', ['-o', layers, target], { cwd });
  } catch (e) {
    throw mountFailure(nativeError ?? e, nativeError ? ` (and fuse-overlayfs: ${stderrOf(e)})` : '');
  }
}

function stderrOf(e: unknown): string {
  return ((e as { stderr?: string }).stderr ?? String(e)).trim();
}

function mountFailure(e: unknown, extra = ''): BerthError {
  return new BerthError('runtime', `mounting the container's root filesystem: ${stderrOf(e)}${extra}`);
}

/** A plain mount (tmpfs, a bind, ...) for volumes with driver options. */
export async function mountFs(source: string, target: string, type: string, options: string[]): Promise<void> {
  try {
    await run('mount', ['-t', type, ...(options.length ? ['-o', options.join(',')] : []), source, target]);
  } catch (e) {
    throw new BerthError('runtime', `mounting volume at ${target}: ${((e as { stderr?: string }).stderr ?? String(e)).trim()}`);
  }
}

export function isMountPoint(path: string): boolean {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  const escaped = path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return mounts.split('\n').some((l) => l.split(' ')[4] === escaped);
}

export async function unmount(target: string): Promise<void> {
  if (!isMountPoint(target)) return;
  try {
    await run('umount', [target]);
  } catch {
    await run('umount', ['-l', target]).catch(() => undefined);
  }
}

/** The kernel overlay's `volatile` option came in Linux 5.10. */
function volatileOverlay(): boolean {
  const [major, minor] = release().split('.').map(Number);
  return major > 5 || (major === 5 && minor >= 10);
}
