// File-system nodes Node.js has no API for (mknod, mkfifo): created with the coreutils
// commands, argv arrays only. Used for overlay whiteouts (char 0:0) and FIFOs in layers.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** An overlayfs whiteout: a character device with device number 0:0. */
export async function mknodWhiteout(path: string): Promise<void> {
  await run('mknod', ['-m', '000', '--', path, 'c', '0', '0']);
}

export async function mkfifo(path: string, mode: number): Promise<void> {
  await run('mkfifo', ['-m', (mode & 0o7777).toString(8), '--', path]);
}
