// Rootless networking: one network namespace per user stands in for the host's. berth's
// bridges, netavark, aardvark-dns and firewall rules live in it exactly as they live in the
// host's namespace for root, and slirp4netns connects it to the real network through its tap
// device. Published TCP ports go through a forwarder berth starts (see forward()); UDP ports
// through host forwards slirp4netns adds on request (its API socket). Everything here runs as
// the user, inside the user's namespace.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { BerthError } from '../errors.js';
import { pidAlive } from '../images/content-store.js';
import { withHostLock } from '../platform/hostlock.js';
import { isMountPoint } from '../platform/mount.js';

/** The guest side of slirp4netns in the user's namespace (its --configure default). */
const SLIRP_GUEST = '10.0.2.100';

export class RootlessNetns {
  constructor(private readonly runroot: string) {}

  get path(): string {
    return join(this.runroot, 'netns', 'rootless');
  }

  private get apiSocket(): string {
    return join(this.runroot, 'slirp4netns.sock');
  }

  private get pidFile(): string {
    return join(this.runroot, 'slirp4netns.pid');
  }

  private slirpAlive(): boolean {
    try {
      const pid = Number(readFileSync(this.pidFile, 'utf8'));
      return pid > 0 && pidAlive(pid) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'slirp4netns';
    } catch {
      return false;
    }
  }

  /** The namespace, made (with its slirp4netns) when missing; returns its path. */
  async ensure(): Promise<string> {
    if (isMountPoint(this.path) && this.slirpAlive()) return this.path;
    return withHostLock(join(this.runroot, 'rootless-netns.lock'), async () => {
      if (isMountPoint(this.path) && this.slirpAlive()) return this.path;
      if (!canOpenTun()) {
        throw new BerthError('unavailable', 'rootless networking needs /dev/net/tun to be usable by users (mode 0666, as udev sets it on a standard install: sudo chmod 0666 /dev/net/tun); --network none and host work without it');
      }
      if (!isMountPoint(this.path)) {
        mkdirSync(join(this.runroot, 'netns'), { recursive: true, mode: 0o700 });
        writeFileSync(this.path, '');
        await run('unshare', ['--net', '--', 'mount', '--bind', '/proc/self/ns/net', this.path]);
      }
      // A namespace whose slirp4netns died keeps its bridges and containers: only slirp4netns starts again.
      rmSync(this.apiSocket, { force: true });
      const child = spawn('slirp4netns', ['--configure', '--mtu=65520', '--disable-host-loopback', `--api-socket=${this.apiSocket}`, '--netns-type=path', this.path, 'tap0'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const deadline = Date.now() + 10_000;
      while (!existsSync(this.apiSocket)) {
        if (child.exitCode !== null) throw new BerthError('runtime', `slirp4netns: ${err.trim() || `exit ${child.exitCode}`}`);
        if (Date.now() > deadline) throw new BerthError('runtime', 'slirp4netns did not come up within 10s');
        await new Promise((r) => setTimeout(r, 5));
      }
      child.stderr!.destroy();
      child.unref();
      writeFileSync(this.pidFile, String(child.pid));
      return this.path;
    });
  }

  /** One request on slirp4netns's API socket (which exists a moment before it listens). */
  private async api(request: object): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.apiOnce(request);
      } catch (e) {
        if (attempt > 100 || !/ECONNREFUSED|ENOENT/.test((e as Error).message)) throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  private apiOnce(request: object): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const sock = connect(this.apiSocket);
      let body = '';
      sock.on('connect', () => sock.end(JSON.stringify(request)));
      sock.on('data', (d) => (body += d.toString()));
      sock.on('error', (e) => reject(new BerthError('runtime', `slirp4netns API: ${e.message}`)));
      sock.on('end', () => {
        try {
          resolve(JSON.parse(body) as Record<string, unknown>);
        } catch {
          reject(new BerthError('runtime', `slirp4netns API: unexpected answer ${JSON.stringify(body)}`));
        }
      });
    });
  }

  private forwarderPidFile(proto: string, hostIp: string, hostPort: number): string {
    return join(this.runroot, 'ports', `${proto}-${hostIp || '0.0.0.0'}-${hostPort}.pid`);
  }

  /**
   * Publish host_ip:host_port. TCP: berth binds the port on the host and hands the listening
   * socket to a forwarder it starts inside the user's namespace, which connects to the
   * container directly: both legs are the kernel's TCP (podman's rootlessport does the
   * same), far faster than slirp4netns's own stack. UDP: slirp4netns forwards it to the same
   * port in the user's namespace, where netavark's rules take it to the container.
   */
  async forward(proto: 'tcp' | 'udp', hostIp: string, hostPort: number, target: { ip: string; port: number }): Promise<void> {
    if (proto === 'tcp') return this.forwardTcp(hostIp, hostPort, target);
    const r = await this.api({ execute: 'add_hostfwd', arguments: { proto, host_addr: hostIp || '0.0.0.0', host_port: hostPort, guest_addr: SLIRP_GUEST, guest_port: hostPort } });
    if (r.error) throw new BerthError('conflict', `publishing ${hostIp || '0.0.0.0'}:${hostPort}/${proto}: ${(r.error as { desc?: string }).desc ?? JSON.stringify(r.error)}`);
  }

  private async forwardTcp(hostIp: string, hostPort: number, target: { ip: string; port: number }): Promise<void> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new BerthError('conflict', `Bind for ${hostIp || '0.0.0.0'}:${hostPort} failed: ${e.code === 'EADDRINUSE' ? 'port is already allocated' : e.message}`)));
      server.listen({ host: hostIp || '0.0.0.0', port: hostPort, exclusive: true }, resolve);
    });
    try {
      const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
      const child = spawn('nsenter', [`--net=${this.path}`, '--', process.execPath, process.argv[1], 'system', 'port-forward', target.ip, String(target.port)], { detached: true, stdio: ['ignore', 'ignore', 'ignore', fd] });
      child.unref();
      mkdirSync(join(this.runroot, 'ports'), { recursive: true, mode: 0o700 });
      writeFileSync(this.forwarderPidFile('tcp', hostIp, hostPort), String(child.pid));
    } finally {
      // The forwarder holds its own copy of the listening socket.
      server.close();
    }
  }

  async unforward(proto: 'tcp' | 'udp', hostIp: string, hostPort: number): Promise<void> {
    if (proto === 'tcp') {
      const file = this.forwarderPidFile('tcp', hostIp, hostPort);
      try {
        const pid = Number(readFileSync(file, 'utf8'));
        if (pid > 0 && pidAlive(pid)) process.kill(pid, 'SIGTERM');
      } catch {
        /* no forwarder */
      }
      rmSync(file, { force: true });
      return;
    }
    if (!existsSync(this.apiSocket)) return;
    const list = await this.api({ execute: 'list_hostfwd' }).catch(() => ({}) as Record<string, unknown>);
    // slirp4netns answers {"entries": [...]} (some versions wrap it in "return").
    type Entry = { id: number; proto: string; host_addr: string; host_port: number };
    const entries = ((list.entries ?? (list.return as { entries?: Entry[] } | undefined)?.entries) as Entry[] | undefined) ?? [];
    for (const e of entries) {
      if (e.proto === proto && e.host_port === hostPort && (e.host_addr === (hostIp || '0.0.0.0'))) await this.api({ execute: 'remove_hostfwd', arguments: { id: e.id } }).catch(() => undefined);
    }
  }
}

function canOpenTun(): boolean {
  try {
    closeSync(openSync('/dev/net/tun', 'r+'));
    return true;
  } catch {
    return false;
  }
}

/** The lowest port an unprivileged process may bind on the host. */
export function unprivilegedPortStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
  } catch {
    return 1024;
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new BerthError('runtime', `${cmd}: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new BerthError('runtime', `${cmd} ${args.join(' ')}: ${err.trim() || `exit ${code}`}`))));
  });
}
