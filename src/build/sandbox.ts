// Where RUN steps execute: the OCI runtime started directly in the foreground (no monitor:
// the step lives exactly as long as the build waits for it), with docker's default
// capabilities, berth's seccomp profile and masked /proc paths, and the build's network.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { constants } from 'node:os';
import type { EngineContext } from '../engine/context.js';
import { NetworkService } from '../engine/networks.js';
import { BerthError } from '../errors.js';
import { resolveInRoot } from '../containers/copy.js';
import type { HostConfig, Mount } from '../containers/model.js';
import { newState } from '../containers/model.js';
import { buildSpec } from '../containers/spec.js';
import { resolveUser } from '../containers/user.js';
import { resolvConf } from '../network/resolv.js';
import { runtimeFor } from '../runtime/oci.js';
import { defaultRuntime } from '../platform/runtimes.js';
import { containerCgroupPath } from '../platform/cgroups.js';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const HOSTNAME = 'buildkitsandbox';

export type NetworkMode = 'default' | 'none' | 'host';

export function parseNetworkMode(v: string | undefined, what: string): NetworkMode {
  if (v === undefined || v === '' || v === 'default' || v === 'bridge') return 'default';
  if (v === 'none' || v === 'host') return v;
  throw new BerthError('invalid-argument', `${what}: network mode "${v}" is not supported in builds (use default, none or host)`);
}

/** The build's network: one namespace on the default bridge, made on first use and shared by every RUN. */
export class BuildNetwork {
  private readonly id = randomBytes(32).toString('hex');
  private wired?: Promise<{ netns: string; dns: string[] }>;

  constructor(
    private readonly ctx: EngineContext,
    private readonly dir: string,
  ) {}

  /** hosts and resolv.conf files for a mode, and the namespace to join. */
  async files(mode: NetworkMode): Promise<{ netns?: string; hosts: string; resolvConf: string; hostname: string }> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    let hostResolv = '';
    try {
      hostResolv = readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      /* none */
    }
    const hostname = join(this.dir, 'hostname');
    writeFileSync(hostname, `${HOSTNAME}\n`);
    const hosts = join(this.dir, `hosts-${mode}`);
    const resolv = join(this.dir, `resolv-${mode}`);
    writeFileSync(hosts, `127.0.0.1\tlocalhost ${HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
    if (mode !== 'default') {
      writeFileSync(resolv, mode === 'host' ? hostResolv : resolvConf(hostResolv, { servers: [], search: [], options: [] }));
      return { hosts, resolvConf: resolv, hostname };
    }
    this.wired ??= new NetworkService(this.ctx)
      .attach({ id: this.id, name: `build-${this.id.slice(0, 12)}`, hostname: HOSTNAME, attachments: [{ network: 'bridge', aliases: [] }], bindings: {}, bundle: this.dir })
      .then((w) => ({ netns: w.netns, dns: w.dnsServers }));
    const w = await this.wired;
    writeFileSync(resolv, resolvConf(hostResolv, { servers: w.dns, search: [], options: [] }));
    return { netns: w.netns, hosts, resolvConf: resolv, hostname };
  }

  async close(): Promise<void> {
    if (!this.wired) return;
    await this.wired.catch(() => undefined);
    await new NetworkService(this.ctx).detach(this.id, this.dir).catch(() => undefined);
  }
}

export interface RunInput {
  rootfs: string;
  bundle: string;
  args: string[];
  env: string[];
  user: string;
  workdir: string;
  mounts: Mount[];
  network: NetworkMode;
  net: BuildNetwork;
  /** where the run's output goes, as it comes */
  onOutput: (chunk: Buffer) => void;
}

function hostConfig(network: NetworkMode, mounts: Mount[]): HostConfig {
  return {
    AutoRemove: false, Privileged: false, ReadonlyRootfs: false, NetworkMode: network === 'default' ? 'bridge' : network,
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, Runtime: '', CapAdd: null, CapDrop: null, SecurityOpt: null, Init: false,
    Memory: 0, MemorySwap: 0, NanoCpus: 0, CpuShares: 0, CpusetCpus: '', PidsLimit: null, ShmSize: 0, Ulimits: null, Tmpfs: null,
    Binds: null, Mounts: mounts, ExtraHosts: null, LogConfig: { Type: 'none', Config: {} }, Devices: null, DeviceRequests: null,
    PortBindings: {}, PublishAllPorts: false, Dns: [], DnsSearch: [], DnsOptions: [], UsernsMode: '',
  };
}

/** Mount targets that do not exist yet in the rootfs: the first missing component of each. */
export function missingTargets(rootfs: string, targets: string[]): string[] {
  const out = new Set<string>();
  for (const t of targets) {
    const parts = posix.normalize(t).split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (!lstatSync(join(rootfs, rel), { throwIfNoEntry: false })) {
        out.add(rel);
        break;
      }
    }
  }
  return [...out];
}

/** Run one step; resolves with its exit code. */
export async function runStep(ctx: EngineContext, input: RunInput): Promise<number> {
  const id = `berth-build-${randomBytes(8).toString('hex')}`;
  const user = resolveUser(input.rootfs, input.user);
  const cwd = resolveInRoot(input.rootfs, input.workdir || '/', true);
  mkdirSync(cwd, { recursive: true, mode: 0o755 });
  const env = [...input.env];
  if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH);
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`);
  const etc = await input.net.files(input.network);
  const hc = hostConfig(input.network, input.mounts);
  const record = {
    id, name: id, imageId: '', image: '', created: '', runtime: '', restartCount: 0, state: newState(), hostConfig: hc,
    config: { Hostname: 'buildkitsandbox', Domainname: '', AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false, StdinOnce: false, Image: '', WorkingDir: input.workdir || '/' },
  };
  const spec = buildSpec({ record, rootfs: input.rootfs, user, args: input.args, env, etc: { hostname: etc.hostname, hosts: etc.hosts, resolvConf: etc.resolvConf }, cgroupsPath: containerCgroupPath(ctx.config.rootless, id), netns: etc.netns, rootless: ctx.config.rootless });
  writeFileSync(join(input.bundle, 'config.json'), JSON.stringify(spec));
  const rt = runtimeFor(ctx.config, defaultRuntime(ctx.config) ?? 'runc');
  return new Promise<number>((resolve, reject) => {
    const child = spawn(rt.path, [...rt.globalArgs, 'run', '--bundle', input.bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', input.onOutput);
    child.stderr.on('data', input.onOutput);
    const stop = () => void rt.kill(id, 'KILL', true).catch(() => undefined);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    child.on('error', (e) => reject(new BerthError('runtime', `${rt.name} run: ${e.message}`)));
    child.on('close', (code, signal) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void rt.delete(id).catch(() => undefined);
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 255));
    });
  });
}
