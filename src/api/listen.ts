// Where the service listens: a unix socket (root: <runroot>/berth.sock = /run/berth/berth.sock,
// mode 0660, group `berth` when it exists; a user: $XDG_RUNTIME_DIR/berth/berth.sock, 0600),
// a socket systemd passes (LISTEN_FDS/LISTEN_PID, fd 3), or TCP on loopback when asked.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import type { Server } from 'node:http';
import type { Config } from '../config.js';
import { conflict, invalid } from '../errors.js';

export type Endpoint = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number } | { kind: 'fd'; fd: number };

export const SD_LISTEN_FDS_START = 3;

/** The socket systemd handed over, if it was for this process. */
export function systemdSocket(env: NodeJS.ProcessEnv = process.env): Endpoint | undefined {
  if (env.LISTEN_PID !== String(process.pid)) return undefined;
  const n = Number(env.LISTEN_FDS ?? 0);
  if (!(n >= 1)) return undefined;
  // Not for any child process we start.
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  return { kind: 'fd', fd: SD_LISTEN_FDS_START };
}

export function defaultSocket(config: Config): string {
  return join(config.runroot, 'berth.sock');
}

export function parseEndpoint(uri: string | undefined, config: Config): Endpoint {
  if (!uri) return { kind: 'unix', path: defaultSocket(config) };
  if (uri.startsWith('unix://')) {
    const path = uri.slice('unix://'.length);
    if (!path.startsWith('/')) throw invalid(`invalid socket address "${uri}": the path must be absolute (unix:///path)`);
    return { kind: 'unix', path };
  }
  if (uri.startsWith('tcp://')) {
    const u = new URL(uri);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (!['127.0.0.1', 'localhost', '::1'].includes(host) && !host.startsWith('127.')) throw invalid(`refusing to serve the API on ${host}: anyone who reaches it can run anything as this user; use a loopback address (tcp://127.0.0.1:PORT) or a unix socket`);
    if (!u.port) throw invalid(`invalid address "${uri}": a port is required`);
    return { kind: 'tcp', host, port: Number(u.port) };
  }
  throw invalid(`invalid address "${uri}": use unix:///path or tcp://127.0.0.1:PORT`);
}

function groupId(name: string): number | undefined {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [n, , gid] = line.split(':');
      if (n === name) return Number(gid);
    }
  } catch {
    /* no group file */
  }
  return undefined;
}

/** A socket file left by a service that is gone is removed; one something answers on is not. */
async function clearStale(path: string): Promise<void> {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isSocket()) throw conflict(`${path} exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw conflict(`another service is already listening on ${path}`);
  rmSync(path, { force: true });
}

/** Listen; resolves with a function that removes what listening made (the socket file). */
export async function listen(server: Server, ep: Endpoint, rootless: boolean): Promise<() => void> {
  if (ep.kind === 'fd') {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ fd: ep.fd }, () => resolve());
    });
    return () => undefined;
  }
  if (ep.kind === 'tcp') {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ep.port, ep.host, () => resolve());
    });
    return () => undefined;
  }
  const dir = dirname(ep.path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  await clearStale(ep.path);
  // Made with no access for anyone under a temporary name, opened to the owner (and the berth
  // group, as root), then renamed into place: whoever sees the socket sees its final mode.
  const tmp = `${ep.path}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const old = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(tmp, () => resolve());
    });
  } finally {
    process.umask(old);
  }
  const gid = rootless ? undefined : groupId('berth');
  if (gid !== undefined) {
    chownSync(tmp, process.getuid?.() ?? 0, gid);
    chmodSync(tmp, 0o660);
    chmodSync(dir, 0o711);
  } else chmodSync(tmp, rootless ? 0o600 : 0o660);
  renameSync(tmp, ep.path);
  return () => rmSync(ep.path, { force: true });
}
