// Network namespaces and host addressing, through iproute2 (argv arrays only). A container's
// namespace is a named one (/run/netns/<name>; rootless, under the runroot), so it outlives
// the processes that made it and can be torn down by whichever berth process cleans up.
// Rootless, "the host" is the user's network namespace (platform/hostnet.ts): every command
// below that acts on the host's links goes there.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BerthError } from '../errors.js';
import { hostCommand, hostLinks, hostNet } from './hostnet.js';
import { unmount } from './mount.js';

const execFileAsync = promisify(execFile);
const run = (cmd: string, args: string[]) => execFileAsync(...hostCommand(cmd, args));

export function netnsPath(name: string): string {
  return join(hostNet().netnsDir, name);
}

function failure(what: string, e: unknown): BerthError {
  return new BerthError('runtime', `${what}: ${((e as { stderr?: string }).stderr || String(e)).trim()}`);
}

/** A named network namespace; its loopback is brought up by netavark's setup, which always follows. */
export async function createNetns(name: string): Promise<string> {
  if (!existsSync(netnsPath(name))) {
    try {
      if (hostNet().netns) {
        // Rootless: a namespace of the user's own, pinned by a bind mount in the user's mount namespace.
        mkdirSync(hostNet().netnsDir, { recursive: true, mode: 0o700 });
        writeFileSync(netnsPath(name), '');
        await execFileAsync('unshare', ['--net', '--', 'mount', '--bind', '/proc/self/ns/net', netnsPath(name)]);
      } else await run('ip', ['netns', 'add', name]);
    } catch (e) {
      throw failure(`creating network namespace ${name}`, e);
    }
  }
  return netnsPath(name);
}

/**
 * Pin a running process's network namespace under `name`, where createNetns would have put
 * it: for a container that made its own (one in a user namespace of its own, whose network
 * namespace must belong to that user namespace for `exec` to join it).
 */
export async function pinNetns(name: string, pid: number): Promise<string> {
  const path = netnsPath(name);
  mkdirSync(hostNet().netnsDir, { recursive: true, mode: 0o700 });
  writeFileSync(path, '');
  try {
    await execFileAsync('mount', ['--bind', `/proc/${pid}/ns/net`, path]);
  } catch (e) {
    rmSync(path, { force: true });
    throw failure(`pinning the network namespace of process ${pid}`, e);
  }
  return path;
}

/** A throwaway namespace holding one link named `iface` (netavark's teardown deletes a container's link first). */
export async function createScratchNetns(name: string, iface: string): Promise<string> {
  await createNetns(name);
  try {
    await execFileAsync('nsenter', [`--net=${netnsPath(name)}`, '--', 'ip', 'link', 'add', iface, 'type', 'veth', 'peer', 'name', `${iface}p`]);
  } catch (e) {
    await deleteNetns(name);
    throw failure(`preparing network namespace ${name}`, e);
  }
  return netnsPath(name);
}

export function linkExists(name: string): boolean {
  return hostLinks()?.has(name) ?? existsSync(`/sys/class/net/${name}`);
}

/** The ports of a bridge (none when it does not exist). */
export function bridgePorts(bridge: string): string[] {
  const links = hostLinks();
  if (links) return [...links].filter(([, l]) => l.master === bridge).map(([n]) => n);
  try {
    return readdirSync(`/sys/class/net/${bridge}/brif`);
  } catch {
    return [];
  }
}

/**
 * Enslave a link that never carries traffic (one end of a veth pair, down) to `bridge`, so
 * the bridge keeps a port when its last container leaves; and pin the bridge's MAC address
 * to the one it has (a bridge whose address was never set takes its lowest port's, and would
 * change it under running containers as ports come and go).
 */
export async function addKeeper(bridge: string, keeper: string): Promise<void> {
  const mac = hostLinks()?.get(bridge)?.address ?? readFileSync(`/sys/class/net/${bridge}/address`, 'utf8').trim();
  const batch = [`link add ${keeper} master ${bridge} type veth peer name ${keeper.replace(/^bk-/, 'bq-')}`, `link set ${bridge} address ${mac}`].join('\n');
  if (!/^bk-[\w.-]{1,12}$/.test(keeper) || !/^[\w.-]{1,15}$/.test(bridge) || !/^[0-9a-f:]{17}$/.test(mac)) throw new BerthError('invalid-argument', `invalid keeper ${keeper} for ${bridge}`);
  try {
    await runWithInput('ip', ['-batch', '-'], batch);
  } catch (e) {
    throw failure(`keeping bridge ${bridge}`, e);
  }
}

export async function deleteLink(name: string): Promise<void> {
  if (!linkExists(name)) return;
  await run('ip', ['link', 'delete', name]).catch(() => undefined);
}

function runWithInput(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(...hostCommand(cmd, args), { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(Object.assign(new Error(`${cmd} exited ${code}`), { stderr }))));
    child.stdin.end(input);
  });
}

export async function deleteNetns(name: string): Promise<void> {
  if (!existsSync(netnsPath(name))) return;
  if (hostNet().netns) {
    await unmount(netnsPath(name));
    rmSync(netnsPath(name), { force: true });
    return;
  }
  await run('ip', ['netns', 'delete', name]).catch(() => undefined);
}

export function listNetns(prefix: string): string[] {
  try {
    return readdirSync(hostNet().netnsDir).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
}

/** The host's IPv4 routes (main table, default route aside), from /proc/net/route. */
export function hostRoutes(): Array<{ iface: string; subnet: string }> {
  try {
    // /proc/net is the reading process's namespace: rootless, a process in the user's one reads it.
    const text = hostNet().netns ? execFileSync(...hostCommand('cat', ['/proc/net/route']), { encoding: 'utf8' }) : readFileSync('/proc/net/route', 'utf8');
    return parseProcRoute(text);
  } catch {
    return [];
  }
}

/** /proc/net/route's lines: destination and mask are 32-bit hex in the host's (little-endian) byte order. */
export function parseProcRoute(text: string): Array<{ iface: string; subnet: string }> {
  const quad = (hex: string) => [0, 1, 2, 3].map((i) => parseInt(hex.slice(6 - 2 * i, 8 - 2 * i), 16)).join('.');
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 8 && /^[0-9A-F]{8}$/.test(f[1]) && /^[0-9A-F]{8}$/.test(f[7]) && f[7] !== '00000000')
    .map((f) => ({ iface: f[0], subnet: `${quad(f[1])}/${parseInt(f[7], 16).toString(2).replace(/0/g, '').length}` }));
}

/** IPv4 subnets already routed on the host (a new network must not overlap them). */
export async function hostSubnets(): Promise<string[]> {
  return hostRoutes().map((r) => r.subnet);
}

/** IPv6 prefixes routed on the host, link-local and multicast aside. */
export async function hostSubnets6(): Promise<string[]> {
  try {
    const { stdout } = await run('ip', ['-6', '-o', 'route', 'show']);
    return stdout
      .split('\n')
      .map((l) => l.split(' ')[0])
      .filter((d) => /^[0-9a-f:]+\/\d+$/.test(d) && !/^(fe80|ff)/.test(d));
  } catch {
    return [];
  }
}
