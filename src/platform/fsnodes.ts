// File-system nodes and attributes Node.js has no API for (mknod, mkfifo, chattr): made with the
// coreutils and e2fsprogs commands, argv arrays only. Used for overlay whiteouts (char 0:0), FIFOs
// in layers, and the allocation hint on the directory layers are unpacked in.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** An overlayfs whiteout: a character device with device number 0:0. */
export async function mknodWhiteout(path: string): Promise<void> {
  await run('mknod', ['-m', '000', '--', path, 'c', '0', '0']);
}

export async function mkfifo(path: string, mode: number): Promise<void> {
  await run('mkfifo', ['-m', (mode & 0o7777).toString(8), '--', path]);
}

/**
 * Mark a directory as the top of unrelated hierarchies for ext4's Orlov allocator (`chattr +T`):
 * each new directory made in it is placed in a block group of its own choosing rather than
 * next to its parent, and the files in it follow. berth gives this to the directory where
 * layers are unpacked, whose snapshot trees are unrelated to each other. On ext4 without a
 * journal it keeps a pull away from the block groups where a store was just deleted: there
 * ext4 allocates each new inode only after skipping every recently freed one, which made a cold
 * pull right after a removal ~1.6x as slow here (sys time 0.4 -> 1.4-2.0 s). With a journal
 * ext4 skips nothing and the hint changes nothing measurable. Best effort, once, when the
 * directory is made: other filesystems refuse the flag, and nothing depends on it.
 */
export function markTopDirectory(path: string): void {
  try {
    spawnSync('chattr', ['+T', '--', path], { stdio: 'ignore', timeout: 5000 });
  } catch {
    /* no chattr: the allocator's default placement */
  }
}
