// Where a remote engine lives (`-H`, BERTH_HOST, DOCKER_HOST's forms) and how to reach it:
// a unix socket, loopback TCP, or a unix socket on another machine through `ssh -W`, which
// forwards stdio to a remote socket, so the far side needs only sshd and the service.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { Duplex } from 'node:stream';
import { invalid } from '../../errors.js';

export type HostUrl =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'ssh'; user?: string; host: string; port?: number; path: string };

/** The service's socket on a remote machine when the ssh:// URL names none (root's default). */
export const REMOTE_DEFAULT_SOCKET = '/run/berth/berth.sock';

export function parseHost(spec: string): HostUrl {
  if (spec.startsWith('/')) return { kind: 'unix', path: spec };
  let u: URL;
  try {
    u = new URL(spec);
  } catch {
    throw invalid(`invalid host "${spec}": use unix:///path, tcp://host:port or ssh://[user@]host[:port][/socket]`);
  }
  switch (u.protocol) {
    case 'unix:': {
      const path = decodeURIComponent(u.host ? `/${u.host}${u.pathname}` : u.pathname);
      if (!path || path === '/') throw invalid(`invalid host "${spec}": no socket path`);
      return { kind: 'unix', path };
    }
    case 'tcp:':
    case 'http:':
      if (!u.hostname || !u.port) throw invalid(`invalid host "${spec}": tcp needs host:port`);
      return { kind: 'tcp', host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
    case 'ssh:':
      if (!u.hostname) throw invalid(`invalid host "${spec}": ssh needs a host`);
      if (u.password) throw invalid(`invalid host "${spec}": put no password in an ssh URL (use keys or an agent)`);
      return {
        kind: 'ssh',
        host: u.hostname,
        ...(u.username ? { user: decodeURIComponent(u.username) } : {}),
        ...(u.port ? { port: Number(u.port) } : {}),
        path: u.pathname && u.pathname !== '/' ? decodeURIComponent(u.pathname) : REMOTE_DEFAULT_SOCKET,
      };
    default:
      throw invalid(`invalid host "${spec}": unsupported scheme ${u.protocol.replace(/:$/, '')} (unix, tcp, ssh)`);
  }
}

export function describeHost(h: HostUrl): string {
  if (h.kind === 'unix') return `unix://${h.path}`;
  if (h.kind === 'tcp') return `tcp://${h.host}:${h.port}`;
  return `ssh://${h.user ? `${h.user}@` : ''}${h.host}${h.port ? `:${h.port}` : ''}${h.path}`;
}

/** The ssh client's argv for one stdio tunnel to the remote socket (no shell anywhere). */
export function sshArgv(h: Extract<HostUrl, { kind: 'ssh' }>, identity?: string): string[] {
  return [
    '-o', 'BatchMode=yes',
    ...(h.port ? ['-p', String(h.port)] : []),
    ...(identity ? ['-i', identity] : []),
    '-W', h.path,
    '--', h.user ? `${h.user}@${h.host}` : h.host,
  ];
}

/** A function that opens one new connection to the engine. */
export type Connector = () => Duplex;

export function connector(h: HostUrl, opts: { identity?: string } = {}): Connector {
  if (h.kind === 'unix') return () => connect(h.path);
  if (h.kind === 'tcp') return () => connect(h.port, h.host);
  const argv = sshArgv(h, opts.identity);
  return () => {
    const child = spawn('ssh', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin });
    child.on('error', (e) => duplex.destroy(new Error(`ssh: ${e.message}`)));
    child.on('exit', (code) => {
      if (code) duplex.destroy(new Error(`ssh to ${describeHost(h)} failed (exit ${code})${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
    });
    duplex.on('close', () => {
      if (child.exitCode === null) child.kill();
    });
    return duplex;
  };
}
