// Network namespaces and host addressing, through iproute2 (argv arrays only). A container's
// namespace is a named one (/run/netns/<name>), so it outlives the processes that made it
// and can be torn down by whichever berth process cleans up.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { BerthError } from '../errors.js';

const run = promisify(execFile);
const NETNS_DIR = '/run/netns';

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

export async function createNetns(name: string): Promise<string> {
  if (!existsSync(netnsPath(name))) {
    try {
      await run('ip', ['netns', 'add', name]);
      await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    } catch (e) {
      throw new BerthError('runtime', `creating network namespace ${name}: ${((e as { stderr?: string }).stderr ?? String(e)).trim()}`);
    }
  }
  return netnsPath(name);
}

export async function deleteNetns(name: string): Promise<void> {
  if (!existsSync(netnsPath(name))) return;
  await run('ip', ['netns', 'delete', name]).catch(() => undefined);
}

export function listNetns(prefix: string): string[] {
  try {
    return readdirSync(NETNS_DIR).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
}

/** IPv4 subnets already routed on the host (a new network must not overlap them). */
export async function hostSubnets(): Promise<string[]> {
  try {
    const { stdout } = await run('ip', ['-4', '-o', 'route', 'show']);
    return stdout
      .split('\n')
      .map((l) => l.split(' ')[0])
      .filter((d) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(d));
  } catch {
    return [];
  }
}
