// Where a remote engine lives (`-H`, BERTH_HOST, DOCKER_HOST's forms) and how to reach it:
// a unix socket, TCP, or a unix socket on another machine through an ssh tunnel.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { BerthError, invalid } from '../../errors.js';

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

/** The ssh client's argv for a tunnel from a local socket to the remote one (no shell anywhere). */
export function sshArgv(h: Extract<HostUrl, { kind: 'ssh' }>, local: string, identity?: string): string[] {
  return [
    '-o', 'BatchMode=yes',
    '-o', 'ExitOnForwardFailure=yes',
    '-N',
    '-L', `${local}:${h.path}`,
    ...(h.port ? ['-p', String(h.port)] : []),
    ...(identity ? ['-i', identity] : []),
    '--', h.user ? `${h.user}@${h.host}` : h.host,
  ];
}

/** Opens connections to the engine; close() ends whatever the transport itself keeps (an ssh tunnel). */
export interface Connector {
  connect(): Promise<Duplex>;
  close(): void;
}

export function connector(h: HostUrl, opts: { identity?: string } = {}): Connector {
  if (h.kind === 'unix') return { connect: () => connected(() => connect(h.path)), close() {} };
  if (h.kind === 'tcp') return { connect: () => connected(() => connect(h.port, h.host)), close() {} };
  return new SshTunnel(h, opts.identity);
}

function connected(open: () => Socket): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = open();
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/**
 * One ssh process per berth command forwards a private local socket to the remote one
 * (`ssh -N -L local:remote`); every request of the command connects through it. The far side
 * needs only sshd and the engine's socket.
 */
class SshTunnel implements Connector {
  private ready?: Promise<string>;
  private child?: ChildProcess;
  private dir?: string;

  constructor(private readonly h: Extract<HostUrl, { kind: 'ssh' }>, private readonly identity?: string) {}

  connect(): Promise<Duplex> {
    return this.open().then((local) => connected(() => connect(local)));
  }

  private open(): Promise<string> {
    return (this.ready ??= new Promise<string>((resolve, reject) => {
      this.dir = mkdtempSync(join(tmpdir(), 'berth-ssh-'));
      const local = join(this.dir, 'engine.sock');
      const child = (this.child = spawn('ssh', sshArgv(this.h, local, this.identity), { stdio: ['ignore', 'ignore', 'pipe'] }));
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      const fail = (why: string) => {
        clearInterval(poll);
        reject(new BerthError('unavailable', `ssh to ${describeHost(this.h)} failed (${why})${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
      };
      child.on('error', (e) => fail(e.message));
      child.on('exit', (code, signal) => fail(`exit ${code ?? signal}`));
      const poll = setInterval(() => {
        if (!existsSync(local)) return;
        clearInterval(poll);
        resolve(local);
      }, 10);
      process.once('exit', () => this.close());
    }));
  }

  close(): void {
    this.child?.kill();
    this.child = undefined;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
