// Mounting and unmounting: the only place that runs mount(8)/umount(8) (Node has no mount
// syscall). argv arrays only.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { BerthError } from '../errors.js';
import { unprivilegedOverlay } from '../storage/overlay-xattr.js';

const run = promisify(execFile);

/**
 * Mount an overlay. Lower directories are given relative to `cwd` (the snapshot root), which
 * keeps the option string short: the kernel caps it at one page.
 */
export async function mountOverlay(target: string, lowers: string[], upper: string, work: string, cwd: string): Promise<void> {
  // Inside a user namespace overlayfs may only use user.* xattrs for its markers.
  const opts = `lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${work}${unprivilegedOverlay() ? ',userxattr' : ''}`;
  if (opts.length > 4000) throw new BerthError('invalid-argument', `too many layers for one overlay mount (${lowers.length})`);
  try {
    await run('mount', ['-t', 'overlay', 'overlay', '-o', opts, target], { cwd });
  } catch (e) {
    throw new BerthError('runtime', `mounting the container's root filesystem: ${((e as { stderr?: string }).stderr ?? String(e)).trim()}`);
  }
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
