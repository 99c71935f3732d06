// The container service: what `berth run/create/start/stop/...` and the Engine API's
// /containers endpoints do. Inputs are docker's Config and HostConfig shapes, so the CLI
// (which builds them from flags, as docker's CLI does) and the API (which receives them as
// JSON) share every rule here.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { constants as osConstants } from 'node:os';
import { BerthError, conflict, invalid, notFound } from '../errors.js';
import { writeTx } from '../state/db.js';
import type { EngineContext } from './context.js';
import { ContainerStore } from '../containers/store.js';
import { generateName, validateName } from '../containers/names.js';
import { newState, ZERO_TIME, type ContainerRecord, type ContainerState, type CtrConfig, type Health, type HostConfig, type Mount } from '../containers/model.js';
import { VolumeService } from './volumes.js';
import { DEFAULT_NETWORK, NetworkService, type Wired } from './networks.js';
import { netnsPath, pinNetns } from '../platform/netns.js';
import { resolvConf } from '../network/resolv.js';
import { cdiEdits, hostDevice, type ContainerEdits } from '../containers/devices.js';
import { healthPlan, NOT_RUNNING, recordResult, startScheduler } from '../containers/health.js';
import { containerPaths, type ContainerPaths } from '../containers/paths.js';
import { buildSpec } from '../containers/spec.js';
import { resolveUser } from '../containers/user.js';
import { chainIds } from '../storage/snapshots.js';
import { mountOverlay, unmount } from '../platform/mount.js';
import { pidAlive } from '../images/content-store.js';
import type { ImageConfig } from '../images/manifest.js';
import { packPath, resolveInRoot, unpackInto } from '../containers/copy.js';
import { execCapture, runtimeFor, type OciRuntime } from '../runtime/oci.js';
import { launchMonitor } from '../runtime/monitor.js';
import { defaultRuntime } from '../platform/runtimes.js';
import { capabilities } from '../containers/security.js';
import { log } from '../util/log.js';
import { allocateSlice, autoSize, checkUsernsMode, usernsMappings, usernsTotal } from '../containers/userns.js';
import { hostUid } from '../platform/userns.js';
import { containerCgroupPath, rootlessLimits } from '../platform/cgroups.js';
import { childProcess } from '../util/native.js';
import { cgroupPids, cgroupStats, pidNamespaceMembers, type CgroupStats } from '../platform/cgroup-stats.js';
import { labelMatches } from '../images/filters.js';
import { notifyPlan, sdNotify, startedMessage, takeListenFds } from '../systemd/notify.js';

export type PullPolicy = 'missing' | 'always' | 'never';

export interface CreateRequest {
  name?: string;
  image: string;
  config: Partial<CtrConfig>;
  hostConfig: Partial<HostConfig>;
  pull?: PullPolicy;
  platform?: string;
  /** called when the image must be pulled first (the CLI shows progress) */
  pullImage?: (ref: string) => Promise<string>;
}

/** Where --init's binary appears in the container (docker's path). */
const INIT_PATH = '/sbin/docker-init';
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const LOG_MAX_SIZE = 10 * 1024 * 1024;

function defaultHostConfig(): HostConfig {
  return {
    AutoRemove: false, Privileged: false, ReadonlyRootfs: false, NetworkMode: 'none', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, Runtime: '',
    CapAdd: null, CapDrop: null, SecurityOpt: null, Init: false, Memory: 0, MemorySwap: 0, NanoCpus: 0, CpuShares: 0, CpusetCpus: '', PidsLimit: null, ShmSize: 64 * 1024 * 1024,
    Ulimits: null, Tmpfs: null, Binds: null, Mounts: [], ExtraHosts: null, LogConfig: { Type: 'k8s-file', Config: {} }, Devices: null, DeviceRequests: null, UsernsMode: '', PortBindings: {}, PublishAllPorts: false, Dns: [], DnsSearch: [], DnsOptions: [],
  };
}

/** docker: "exec: \"x\": executable file not found" -> 127, permission denied -> 126. */
export function startFailure(message: string): BerthError {
  if (/executable file not found|no such file or directory/i.test(message)) return new BerthError('runtime', message, { exitCode: 127 });
  if (/permission denied/i.test(message)) return new BerthError('runtime', message, { exitCode: 126 });
  return new BerthError('runtime', message);
}

export class ContainerService {
  readonly store: ContainerStore;

  constructor(private readonly ctx: EngineContext) {
    this.store = new ContainerStore(ctx.db);
  }

  paths(id: string): ContainerPaths {
    // A --userns=auto container keeps its rootfs and /etc files where its own root can reach them.
    const exposed = this.ctx.config.rootless && this.store.get(id)?.hostConfig.UsernsSlice ? `/tmp/berth-exposed-${hostUid()}` : undefined;
    return containerPaths(this.ctx.config, id, exposed);
  }

  // ---------------------------------------------------------------- create

  async create(req: CreateRequest): Promise<ContainerRecord> {
    const images = this.ctx.images;
    let resolved = req.pull === 'always' ? undefined : images.tryResolve(req.image);
    if (!resolved) {
      if (req.pull === 'never') throw notFound(`No such image: ${req.image}`);
      if (!req.pullImage) throw notFound(`No such image: ${req.image}`);
      await req.pullImage(req.image);
      resolved = images.resolve(req.image);
    }
    const image = resolved.image;
    const imgCfg = (JSON.parse(image.config) as ImageConfig).config ?? {};
    const id = randomBytes(32).toString('hex');
    const uc = req.config;
    const entrypoint = uc.Entrypoint !== undefined ? uc.Entrypoint : imgCfg.Entrypoint ?? null;
    // A new entrypoint resets the image's CMD, as in docker.
    const cmd = uc.Cmd && uc.Cmd.length ? uc.Cmd : uc.Entrypoint !== undefined ? null : imgCfg.Cmd ?? null;
    const env = [...(imgCfg.Env ?? [])];
    for (const e of uc.Env ?? []) {
      const k = e.split('=')[0];
      const i = env.findIndex((x) => x.split('=')[0] === k);
      if (i >= 0) env[i] = e;
      else env.push(e);
    }
    const config: CtrConfig = {
      Hostname: uc.Hostname || id.slice(0, 12),
      Domainname: uc.Domainname ?? '',
      User: uc.User ?? imgCfg.User ?? '',
      AttachStdin: uc.AttachStdin ?? false,
      AttachStdout: uc.AttachStdout ?? true,
      AttachStderr: uc.AttachStderr ?? true,
      ExposedPorts: { ...imgCfg.ExposedPorts, ...uc.ExposedPorts },
      Tty: uc.Tty ?? false,
      OpenStdin: uc.OpenStdin ?? false,
      StdinOnce: uc.StdinOnce ?? false,
      Env: env,
      Cmd: cmd,
      Healthcheck: uc.Healthcheck ? (uc.Healthcheck.Test?.[0] === 'NONE' ? uc.Healthcheck : { ...imgCfg.Healthcheck, ...uc.Healthcheck }) : imgCfg.Healthcheck,
      Image: req.image,
      Volumes: { ...imgCfg.Volumes, ...uc.Volumes },
      WorkingDir: uc.WorkingDir || imgCfg.WorkingDir || '',
      Entrypoint: entrypoint,
      OnBuild: null,
      Labels: { ...imgCfg.Labels, ...uc.Labels },
      StopSignal: uc.StopSignal ?? imgCfg.StopSignal,
      ...(uc.StopTimeout !== undefined ? { StopTimeout: uc.StopTimeout } : {}),
    };
    if (!(config.Entrypoint?.length || config.Cmd?.length)) throw invalid('No command specified');
    const hostConfig: HostConfig = { ...defaultHostConfig(), ...(await this.podMember(req.hostConfig, config)) };
    if (!hostConfig.LogConfig.Type) hostConfig.LogConfig = { ...hostConfig.LogConfig, Type: 'k8s-file' };
    for (const type of ['pid', 'ipc', 'uts'] as const) await this.checkNamespaceMode(type, hostConfig);
    hostConfig.Mounts = this.volumeMounts(hostConfig.Mounts ?? [], config.Volumes ?? {});
    if (hostConfig.NetworkMode === 'default' || !hostConfig.NetworkMode) hostConfig.NetworkMode = DEFAULT_NETWORK;
    const mode = hostConfig.NetworkMode;
    if (mode.startsWith('container:')) await this.get(mode.slice('container:'.length));
    else if (mode !== 'none' && mode !== 'host') {
      const nets = new NetworkService(this.ctx);
      hostConfig.Networks = (hostConfig.Networks ?? [{ network: mode, aliases: [] }]).map((a) => ({ ...a, network: nets.resolve(a.network).name }));
      if (hostConfig.PublishAllPorts) {
        for (const p of Object.keys(config.ExposedPorts ?? {})) hostConfig.PortBindings[p.includes('/') ? p : `${p}/tcp`] ??= [{ HostIp: '', HostPort: '' }];
      }
    } else if (Object.keys(hostConfig.PortBindings).length) throw invalid(`published ports need a bridge network, not --network ${mode}`);
    if (hostConfig.AutoRemove && hostConfig.RestartPolicy.Name && hostConfig.RestartPolicy.Name !== 'no') throw invalid('Conflicting options: --restart and --rm');
    capabilities(hostConfig.CapAdd ?? [], hostConfig.CapDrop ?? [], hostConfig.Privileged); // validates names
    checkUsernsMode(hostConfig.UsernsMode, this.ctx.config.rootless);
    if (hostConfig.UsernsMode?.startsWith('auto')) {
      if (hostConfig.Mounts.some((m) => m.Type !== 'tmpfs')) throw invalid('volumes and bind mounts are not supported with --userns=auto yet (the container\'s ids are none of yours): use keep-id or the default');
      const used = this.store.all().flatMap((r) => (r.hostConfig.UsernsSlice ? [r.hostConfig.UsernsSlice] : []));
      hostConfig.UsernsSlice = allocateSlice(used, autoSize(hostConfig.UsernsMode), usernsTotal());
    }
    if (this.ctx.config.rootless && (hostConfig.Memory || hostConfig.NanoCpus || hostConfig.CpuShares || hostConfig.CpusetCpus || (hostConfig.PidsLimit ?? 0) > 0)) {
      const limits = rootlessLimits();
      if (!limits.enforced) log.warn(`rootless: resource limits are not enforced: ${limits.reason}`);
    }
    await this.deviceEdits(hostConfig); // validates devices now rather than at start
    const runtime = hostConfig.Runtime || defaultRuntime(this.ctx.config);
    if (!runtime) throw new BerthError('runtime', 'no working OCI runtime found (install runc)');
    runtimeFor(this.ctx.config, runtime);
    hostConfig.Runtime = runtime;
    const record: ContainerRecord = { id, name: '', imageId: image.id, image: req.image, created: new Date().toISOString(), config, hostConfig, state: newState(), runtime, restartCount: 0 };
    const p = this.paths(id);
    this.sweepExitFiles(p.exitDir);
    // The container's directory is private; its upper dir is the root directory the container sees.
    mkdirSync(p.data, { recursive: true, mode: 0o700 });
    mkdirSync(p.upper, { mode: 0o755 });
    mkdirSync(p.work, { mode: 0o700 });
    try {
      writeTx(this.ctx.db, () => {
        record.name = req.name ? validateName(req.name) : generateName((n) => this.store.nameTaken(n));
        this.store.insert(record);
        this.ctx.events.emit('container', 'create', id, { name: record.name, image: req.image });
      });
    } catch (e) {
      rmSync(p.data, { recursive: true, force: true });
      throw e;
    }
    return record;
  }

  /** Exit files outlive --rm (an attached `run` reads them); drop those of removed containers after a minute. */
  private sweepExitFiles(dir: string): void {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    const old = Date.now() - 60_000;
    for (const n of names) {
      const f = `${dir}/${n}`;
      try {
        if (statSync(f).mtimeMs < old && !this.store.get(n)) rmSync(f, { force: true });
      } catch {
        /* raced with another sweep */
      }
    }
  }

  private async deviceEdits(hc: HostConfig): Promise<ContainerEdits> {
    const edits = await cdiEdits((hc.DeviceRequests ?? []).filter((r) => r.Driver === 'cdi').flatMap((r) => r.DeviceIDs), this.ctx.config.cdiSpecDirs);
    for (const d of hc.Devices ?? []) edits.devices.push(hostDevice(`${d.PathOnHost}:${d.PathInContainer}:${d.CgroupPermissions}`));
    return edits;
  }

  private isBridged(c: ContainerRecord): boolean {
    const m = c.hostConfig.NetworkMode;
    return m !== 'none' && m !== 'host' && !m.startsWith('container:');
  }

  private async wireNetwork(c: ContainerRecord, p: ContainerPaths): Promise<Wired | undefined> {
    if (!this.isBridged(c)) return undefined;
    const nets = new NetworkService(this.ctx);
    await nets.detach(c.id, p.bundle); // leftovers of a run that died without cleanup
    return nets.attach({ id: c.id, name: c.name, hostname: c.config.Hostname, attachments: c.hostConfig.Networks ?? [{ network: c.hostConfig.NetworkMode, aliases: [] }], bindings: c.hostConfig.PortBindings ?? {}, bundle: p.bundle });
  }

  /** A pod member's HostConfig joins its pod's namespaces (pods.ts); its hostname is the pod's. */
  private async podMember(hc: Partial<HostConfig>, config: CtrConfig): Promise<Partial<HostConfig>> {
    if (!hc.Pod) return hc;
    const { PodService } = await import('./pods.js');
    const pods = new PodService(this.ctx);
    const pod = pods.resolve(hc.Pod);
    // The infra container itself is made before the pod names it.
    if (!pod.infra_id) return { ...hc, Pod: pod.id };
    if (pod.config.Share.includes('uts')) config.Hostname = pod.config.Hostname;
    return pods.memberHostConfig(pod.id, hc);
  }

  /** --pid/--ipc/--uts: '' or private (shareable for IPC), host, or container:<name|id> of an existing container. */
  private async checkNamespaceMode(type: 'pid' | 'ipc' | 'uts', hc: HostConfig): Promise<void> {
    const mode = hc[type === 'pid' ? 'PidMode' : type === 'ipc' ? 'IpcMode' : 'UTSMode'] ?? '';
    if (['', 'host', 'private'].includes(mode) || (type === 'ipc' && mode === 'shareable')) return;
    if (mode.startsWith('container:')) {
      await this.get(mode.slice('container:'.length));
      return;
    }
    throw invalid(`invalid --${type} "${mode}": use host or container:<name|id>`);
  }

  /** The namespace of `type` to join at start: 'host', another container's, or none (a new one). */
  private async namespaceOf(type: 'pid' | 'ipc' | 'uts', c: ContainerRecord): Promise<string | undefined> {
    const mode = c.hostConfig[type === 'pid' ? 'PidMode' : type === 'ipc' ? 'IpcMode' : 'UTSMode'] ?? '';
    if (mode === 'host') return 'host';
    if (!mode.startsWith('container:')) return undefined;
    const other = await this.get(mode.slice('container:'.length));
    if (!other.state.Running) throw conflict(`cannot join the ${type} namespace of a non running container: ${other.name}`);
    return `/proc/${other.state.Pid}/ns/${type}`;
  }

  /** The network namespace the runtime should join, if not a new empty one. */
  private async netnsOf(c: ContainerRecord): Promise<string | undefined> {
    const m = c.hostConfig.NetworkMode;
    if (m === 'none' || m === 'host') return undefined;
    if (m.startsWith('container:')) {
      const other = await this.get(m.slice('container:'.length));
      if (!other.state.Running) throw conflict(`cannot join the network of a non running container: ${other.name}`);
      return this.isBridged(other) ? netnsPath(`berth-${other.id.slice(0, 12)}`) : `/proc/${other.state.Pid}/ns/net`;
    }
    return netnsPath(`berth-${c.id.slice(0, 12)}`);
  }

  /** Named volumes made if missing, anonymous ones for `-v /path` and for the image's VOLUMEs. */
  private volumeMounts(mounts: Mount[], imageVolumes: Record<string, object>): Mount[] {
    const volumes = new VolumeService(this.ctx);
    const out = mounts.map((m) => {
      if (m.Type !== 'volume') return m;
      const v = volumes.create({ name: m.Source || undefined, anonymous: !m.Source });
      return { ...m, Source: v.Name };
    });
    for (const target of Object.keys(imageVolumes)) {
      if (out.some((m) => m.Target === target)) continue;
      out.push({ Type: 'volume', Source: volumes.create({ anonymous: true }).Name, Target: target, ReadOnly: false });
    }
    return out;
  }

  /** Mount volumes with options; fill a new, empty volume with what the image has at its target. */
  private async prepareVolumes(c: ContainerRecord, rootfs: string): Promise<void> {
    const store = new VolumeService(this.ctx).store;
    for (const m of c.hostConfig.Mounts ?? []) {
      if (m.Type !== 'volume') continue;
      const v = store.inspect(m.Source);
      await store.ensureMounted(v);
      if (v.Populated) continue;
      const src = resolveInRoot(rootfs, m.Target, true);
      if (store.isEmpty(v.Name) && lstatSync(src, { throwIfNoEntry: false })?.isDirectory()) {
        await unpackInto(packPath(src, '.'), v.Mountpoint, { owners: true });
      }
      store.markPopulated(v.Name);
    }
  }

  // ---------------------------------------------------------------- state

  /** The record, reconciled with the monitor's exit file and the runtime. */
  async get(idOrName: string): Promise<ContainerRecord> {
    return this.reconcile(this.store.resolve(idOrName));
  }

  async list(all: boolean): Promise<ContainerRecord[]> {
    const out: ContainerRecord[] = [];
    for (const c of this.store.all()) {
      const r = await this.reconcile(c);
      if (all || r.state.Running || r.state.Paused || r.state.Restarting) out.push(r);
    }
    return out;
  }

  /** A running record whose process is gone becomes exited, with the monitor's exit code. */
  async reconcile(c: ContainerRecord): Promise<ContainerRecord> {
    if (c.state.Restarting && !c.state.Running && !this.store.locked(c.id)) {
      // The cleanup that was restarting it died before the start: settle it as exited.
      const state = { ...c.state, Status: 'exited' as const, Restarting: false };
      this.store.setState(c.id, state);
      return { ...c, state };
    }
    if (!c.state.Running && !c.state.Paused) return c;
    const code = this.exitCodeOf(c.id);
    let exitCode: number | undefined = code;
    let error = '';
    if (code === undefined) {
      if (c.state.MonitorPid && pidAlive(c.state.MonitorPid)) return c;
      const st = await this.runtime(c).state(c.id).catch(() => undefined);
      if (st && (st.status === 'running' || st.status === 'paused')) return c;
      exitCode = 255;
      error = 'the container monitor exited without recording an exit code';
    }
    const state = { ...c.state, Status: 'exited' as const, Running: false, Paused: false, Restarting: false, Pid: 0, ExitCode: exitCode!, Error: error, FinishedAt: new Date().toISOString(), OOMKilled: existsSync(`${this.paths(c.id).bundle}/oom`) };
    this.store.setState(c.id, state);
    if (code === undefined) {
      // No monitor left to run the cleanup: release what the run held (network, mount, health loop) now.
      this.stopHealth(c);
      await new NetworkService(this.ctx).detach(c.id, this.paths(c.id).bundle).catch(() => undefined);
      await unmount(this.paths(c.id).rootfs).catch(() => undefined);
    }
    return { ...c, state };
  }

  runtime(c: ContainerRecord): OciRuntime {
    // gVisor runs its own network stack: it must be told the container's network mode.
    const extra = c.runtime === 'runsc' ? [`--network=${c.hostConfig.NetworkMode === 'host' ? 'host' : 'none'}`] : [];
    return runtimeFor(this.ctx.config, c.runtime, extra);
  }

  // ---------------------------------------------------------------- start

  /** Mount the container's root filesystem (its image's snapshots and its own layer). */
  async mountRootfs(c: ContainerRecord, p: ContainerPaths): Promise<void> {
    const image = this.ctx.images.get(c.imageId);
    if (!image) throw notFound(`image ${c.imageId} of container ${c.name} is gone`);
    const cfg = JSON.parse(image.config) as ImageConfig;
    const chains = chainIds(cfg.rootfs?.diff_ids ?? []);
    for (const ch of chains) if (!this.ctx.snapshots.has(ch)) throw notFound(`layer ${ch} of image ${c.imageId} is missing from the store`);
    let lowers = chains.map((ch) => `${ch.slice(7)}/diff`).reverse();
    if (!lowers.length) {
      const empty = `${p.data}/empty`;
      mkdirSync(empty, { recursive: true });
      lowers = [empty];
    }
    mkdirSync(p.bundle, { recursive: true, mode: 0o700 });
    if (p.reachable) {
      // Passable but not listable by others (the container's root is none of the user's ids).
      for (const d of [dirname(p.reachable), p.reachable]) {
        mkdirSync(d, { recursive: true });
        chmodSync(d, 0o711);
      }
    }
    mkdirSync(p.rootfs, { recursive: true, mode: 0o755 });
    await unmount(p.rootfs);
    const slice = c.hostConfig.UsernsSlice;
    await mountOverlay(p.rootfs, lowers, p.upper, p.work, this.ctx.snapshots.dir, { idmap: slice ? `0:${slice.base}:${slice.size}` : undefined, volatile: c.hostConfig.AutoRemove });
  }

  private writeEtc(c: ContainerRecord, p: ContainerPaths, wired?: Wired): void {
    writeFileSync(p.hostname, `${c.config.Hostname}\n`);
    const ip = wired ? Object.values(wired.networks)[0]?.IPAddress : undefined;
    const hosts = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', ip ? `${ip}\t${c.config.Hostname} ${c.name}` : `127.0.1.1\t${c.config.Hostname}`];
    for (const h of c.hostConfig.ExtraHosts ?? []) {
      const i = h.lastIndexOf(':');
      if (i <= 0) throw invalid(`invalid --add-host "${h}": use host:ip`);
      hosts.push(`${h.slice(i + 1)}\t${h.slice(0, i)}`);
    }
    writeFileSync(p.hosts, hosts.join('\n') + '\n');
    let hostResolv = '';
    try {
      hostResolv = readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      /* none on the host */
    }
    writeFileSync(p.resolvConf, resolvConf(hostResolv, { servers: [...(c.hostConfig.Dns ?? []), ...(wired?.dnsServers ?? [])], search: c.hostConfig.DnsSearch ?? [], options: c.hostConfig.DnsOptions ?? [] }));
  }

  /** How the monitor and the health scheduler call berth back, with this store's settings. */
  private selfCommand(): string[] {
    const cfg = this.ctx.config;
    return [process.execPath, process.argv[1], '--root', cfg.root, '--runroot', cfg.runroot, ...(existsSync(cfg.configPath) ? ['--config', cfg.configPath] : [])];
  }

  /** `beforeStart` runs once the monitor holds the container's stdio and before its process runs (attach). */
  async start(idOrName: string, opts: { beforeStart?: (c: ContainerRecord) => Promise<void> } = {}): Promise<ContainerRecord> {
    const { id } = this.store.resolve(idOrName);
    return this.store.withLock(id, () => this.startLocked(id, opts));
  }

  private async startLocked(idOrName: string, opts: { beforeStart?: (c: ContainerRecord) => Promise<void> }): Promise<ContainerRecord> {
    const c = await this.get(idOrName);
    if (c.state.Running) return c;
    // A pod member needs the pod's infra container running: it holds the namespaces to join.
    const infra = c.hostConfig.Pod ? (await import('./pods.js')).infraOf(this.ctx, c.hostConfig.Pod) : undefined;
    if (infra && infra !== c.id) await this.start(infra);
    const p = this.paths(c.id);
    const rt = this.runtime(c);
    const runId = randomBytes(8).toString('hex');
    let wiredForCleanup = false;
    let wiredState: Wired | undefined;
    // Claim this start in the record first: a late cleanup of the previous run sees another RunId and backs off.
    this.store.setState(c.id, { ...c.state, RunId: runId });
    try {
      await rt.delete(c.id);
      rmSync(p.exitFile, { force: true });
      mkdirSync(p.exitDir, { recursive: true, mode: 0o700 });
      mkdirSync(p.socketDir, { recursive: true, mode: 0o700 });
      await this.mountRootfs(c, p);
      await this.prepareVolumes(c, p.rootfs);
      const userns = usernsMappings(c.hostConfig.UsernsMode, c.hostConfig.UsernsSlice);
      // A container with a user namespace of its own makes its network namespace itself, so that
      // the namespace belongs to it (`exec` must be able to join both); it is wired once it exists.
      const wireLate = userns !== undefined && this.isBridged(c);
      if (wireLate) await new NetworkService(this.ctx).detach(c.id, p.bundle);
      const wired = wireLate ? undefined : await this.wireNetwork(c, p);
      wiredForCleanup = wired !== undefined;
      wiredState = wired;
      this.writeEtc(c, p, wired);
      // keep-id: the user's own ids, unless -u names someone else.
      const user = resolveUser(p.rootfs, c.config.User || (userns?.user ? `${userns.user.uid}:${userns.user.gid}` : ''));
      const env = [...(c.config.Env ?? [])];
      if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH);
      if (!env.some((e) => e.startsWith('HOSTNAME='))) env.push(`HOSTNAME=${c.config.Hostname}`);
      if (c.config.Tty && !env.some((e) => e.startsWith('TERM='))) env.push('TERM=xterm');
      if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`);
      let args = [...(c.config.Entrypoint ?? []), ...(c.config.Cmd ?? [])];
      if (c.hostConfig.Init) {
        if (!existsSync(this.ctx.config.initPath)) throw new BerthError('runtime', `--init needs ${this.ctx.config.initPath} (apt-get install tini, or set init_path)`);
        args = [INIT_PATH, '--', ...args];
      }
      const join = { pid: await this.namespaceOf('pid', c), ipc: await this.namespaceOf('ipc', c), uts: await this.namespaceOf('uts', c) };
      const edits = await this.deviceEdits(c.hostConfig);
      env.push(...edits.env);
      // --sdnotify: what the unit's NOTIFY_SOCKET (if any) hears, and from whom (src/systemd/notify.ts).
      const notify = notifyPlan(c.hostConfig.SdNotifyMode, p.bundle);
      env.push(...notify.env);
      if (notify.mount) edits.mounts.push({ ...notify.mount, options: ['rbind', 'rprivate', 'nosuid', 'nodev'] });
      const spec = buildSpec(
        { edits, record: c, rootfs: p.rootfs, user, args, env, etc: { hostname: p.hostname, hosts: p.hosts, resolvConf: p.resolvConf }, cgroupsPath: this.cgroupPath(c), netns: await this.netnsOf(c), init: c.hostConfig.Init ? { source: this.ctx.config.initPath, target: INIT_PATH } : undefined, volumeDir: (name) => new VolumeService(this.ctx).store.dir(name), rootless: this.ctx.config.rootless, userns, join, ...(wireLate ? { netns: undefined } : {}) },
        (file) => JSON.parse(readFileSync(file, 'utf8')),
      );
      writeFileSync(`${p.bundle}/config.json`, JSON.stringify(spec));
      const mon = await launchMonitor({
        id: c.id, name: c.name, bundle: p.bundle, runtime: rt, logPath: p.log, logDriver: c.hostConfig.LogConfig.Type,
        logMaxSize: Number(c.hostConfig.LogConfig.Config['max-size'] ?? LOG_MAX_SIZE),
        exitDir: p.exitDir, socketDir: p.socketDir, exitCommand: [...this.selfCommand(), 'container', 'cleanup', '--run', runId, c.id], tty: c.config.Tty, stdin: c.config.OpenStdin,
        // docker's StdinOnce: only then does the first attach client that goes close the container's stdin
        leaveStdinOpen: !c.config.StdinOnce,
        extraArgs: notify.conmonArgs, listenFds: takeListenFds(),
      });
      if (wireLate) {
        await pinNetns(`berth-${c.id.slice(0, 12)}`, mon.pid);
        wiredForCleanup = true;
        wiredState = await new NetworkService(this.ctx).attach({ id: c.id, name: c.name, hostname: c.config.Hostname, attachments: c.hostConfig.Networks ?? [{ network: c.hostConfig.NetworkMode, aliases: [] }], bindings: c.hostConfig.PortBindings ?? {}, bundle: p.bundle });
        this.writeEtc(c, p, wiredState);
      }
      await opts.beforeStart?.(c);
      await rt.start(c.id);
      const state: ContainerState = { ...c.state, RunId: runId, Ports: wiredState?.ports, Networks: wiredState?.networks, Status: 'running', Running: true, Paused: false, Restarting: false, Pid: mon.pid, MonitorPid: mon.monitorPid, ExitCode: 0, Error: '', StartedAt: new Date().toISOString(), FinishedAt: ZERO_TIME };
      delete state.ManuallyStopped;
      delete state.HealthPid;
      delete state.Health;
      const plan = healthPlan(c.config.Healthcheck);
      if (plan) {
        state.Health = { Status: 'starting', FailingStreak: 0, Log: [] };
        state.HealthPid = startScheduler(plan, [...this.selfCommand(), 'healthcheck', 'run', c.id]);
      }
      this.store.setState(c.id, state);
      this.ctx.events.emit('container', 'start', c.id, { name: c.name, image: c.image });
      const ready = startedMessage(notify, mon.monitorPid);
      if (ready) await sdNotify(notify.hostSocket!, ready).catch((e: Error) => log.warn(e.message));
      return { ...c, state };
    } catch (e) {
      await rt.delete(c.id).catch(() => undefined);
      if (wiredForCleanup) await new NetworkService(this.ctx).detach(c.id, p.bundle).catch(() => undefined);
      await unmount(p.rootfs).catch(() => undefined);
      const msg = (e as Error).message;
      this.store.setState(c.id, { ...c.state, Status: c.state.Status === 'created' ? 'created' : 'exited', Error: msg, ExitCode: 128 });
      throw e instanceof BerthError && e.kind !== 'runtime' ? e : startFailure(msg);
    }
  }

  // ---------------------------------------------------------------- stop, kill, wait

  async kill(idOrName: string, signal = 'SIGKILL'): Promise<ContainerRecord> {
    const c = await this.get(idOrName);
    if (!c.state.Running) throw conflict(`Cannot kill container: ${idOrName}: container ${c.id} is not running`);
    await this.runtime(c).kill(c.id, signal);
    this.ctx.events.emit('container', 'kill', c.id, { name: c.name, signal });
    return c;
  }

  /** The exit code conmon recorded, read straight from its file (it outlives --rm removal). */
  exitCodeOf(id: string): number | undefined {
    try {
      const v = readFileSync(this.paths(id).exitFile, 'utf8').trim();
      return v === '' ? undefined : Number(v);
    } catch {
      return undefined;
    }
  }

  /**
   * Resolves when the monitor writes (or removes) the container's exit file, watched through
   * inotify, or after `ms` at the latest: callers look again either way, and reconcile, which
   * also catches a monitor that died without writing one.
   */
  exitFileChange(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let watcher: FSWatcher | undefined;
      const done = () => {
        clearTimeout(timer);
        watcher?.close();
        resolve();
      };
      const timer = setTimeout(done, ms);
      try {
        watcher = watch(this.paths(id).exitDir, (_event, name) => {
          if (name === id) done();
        });
        watcher.on('error', done);
      } catch {
        return; // no exit directory yet: the timer alone
      }
      // Written between the caller's look and the watch: no event will come for it.
      if (this.exitCodeOf(id) !== undefined) done();
    });
  }

  /** Resolves with the exit code once the container is no longer running. */
  async wait(idOrName: string, timeoutMs = Infinity): Promise<number> {
    const start = Date.now();
    let c = await this.get(idOrName);
    while (c.state.Running || c.state.Restarting) {
      if (Date.now() - start > timeoutMs) throw new BerthError('unavailable', `timed out waiting for ${idOrName}`);
      await this.exitFileChange(c.id, 50);
      const next = this.store.get(c.id);
      if (!next) return c.state.ExitCode;
      c = await this.reconcile(next);
    }
    return c.state.ExitCode;
  }

  async stop(idOrName: string, timeoutSec?: number, signalOverride?: string): Promise<ContainerRecord> {
    let c = await this.get(idOrName);
    this.store.setState(c.id, { ...c.state, ManuallyStopped: true });
    if (!c.state.Running) return c;
    const t = timeoutSec ?? c.config.StopTimeout ?? 10;
    const rt = this.runtime(c);
    const signal = signalOverride || c.config.StopSignal || 'SIGTERM';
    await rt.kill(c.id, signal).catch((e: Error) => log.debug(`stop: ${e.message}`));
    // A --rm container may be removed by its own cleanup while this waits: that is a stop too.
    const gone = () => this.store.get(c.id) === undefined;
    try {
      await this.wait(c.id, t * 1000);
    } catch (e) {
      if (!gone()) {
        await rt.kill(c.id, 'SIGKILL', true).catch((err: Error) => log.debug(`stop: ${err.message}`));
        await this.wait(c.id, 10_000).catch((err: unknown) => {
          if (!gone()) throw err;
        });
      } else log.debug(`stop: ${(e as Error).message}`);
    }
    c = gone() ? { ...c, state: { ...c.state, Status: 'exited', Running: false } } : await this.get(c.id);
    this.ctx.events.emit('container', 'stop', c.id, { name: c.name });
    return c;
  }

  // ---------------------------------------------------------------- exec

  /** Write the process.json for `runtime exec` (the container's own process settings, overridden). */
  execProcess(c: ContainerRecord, o: { cmd: string[]; env?: string[]; user?: string; workdir?: string; tty?: boolean; privileged?: boolean; consoleSize?: { height: number; width: number } }): string {
    const p = this.paths(c.id);
    const user = resolveUser(p.rootfs, o.user ?? c.config.User ?? '');
    const env = [...(c.config.Env ?? [])];
    if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH);
    for (const e of o.env ?? []) {
      const k = e.split('=')[0];
      const i = env.findIndex((x) => x.split('=')[0] === k);
      if (i >= 0) env[i] = e;
      else env.push(e);
    }
    if (o.tty && !env.some((e) => e.startsWith('TERM='))) env.push('TERM=xterm');
    const caps = capabilities(c.hostConfig.CapAdd ?? [], c.hostConfig.CapDrop ?? [], c.hostConfig.Privileged || Boolean(o.privileged));
    const spec = JSON.parse(readFileSync(`${p.bundle}/config.json`, 'utf8')) as { process: Record<string, unknown> };
    const proc = {
      ...spec.process,
      terminal: Boolean(o.tty),
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args: o.cmd,
      env,
      cwd: o.workdir || c.config.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [] },
      ...(o.tty && o.consoleSize ? { consoleSize: o.consoleSize } : {}),
    };
    const file = `${p.bundle}/exec-${randomBytes(6).toString('hex')}.json`;
    writeFileSync(file, JSON.stringify(proc));
    return file;
  }

  /** Run a process in a running container through the runtime; resolves with its exit code. */
  async exec(idOrName: string, o: { cmd: string[]; env: string[]; user?: string; workdir?: string; tty: boolean; interactive: boolean; detach: boolean; privileged: boolean }): Promise<number> {
    const c = await this.get(idOrName);
    if (!c.state.Running) throw conflict(`container ${c.id} is not running`);
    if (c.state.Paused) throw conflict(`container ${c.id} is paused, unpause the container before exec`);
    if (!o.cmd.length) throw invalid('No command specified');
    // Detached, the process is not the caller's: no terminal, and none of the caller's stdio held open (docker discards its output).
    const tty = o.tty && !o.detach;
    const file = this.execProcess(c, { ...o, tty });
    this.ctx.events.emit('container', `exec_start: ${o.cmd.join(' ')}`, c.id, { name: c.name });
    try {
      const stdio: Array<'inherit' | 'ignore'> = o.detach ? ['ignore', 'ignore', 'ignore'] : [o.interactive || o.tty ? 'inherit' : 'ignore', 'inherit', 'inherit'];
      return await this.runtime(c).exec(c.id, file, { tty, detach: o.detach, stdio });
    } finally {
      rmSync(file, { force: true });
    }
  }

  /**
   * The API's exec: `runtime exec` with pipes for its stdio (runc keeps the terminal itself
   * with tty). Resolves once the process is spawned; `exit` settles with its exit code.
   */
  async spawnExec(idOrName: string, o: { cmd: string[]; env?: string[]; user?: string; workdir?: string; tty: boolean; privileged?: boolean }): Promise<{ child: import('node:child_process').ChildProcess; exit: Promise<number> }> {
    const c = await this.get(idOrName);
    if (!c.state.Running) throw conflict(`container ${c.id} is not running`);
    if (c.state.Paused) throw conflict(`container ${c.id} is paused, unpause the container before exec`);
    if (!o.cmd.length) throw invalid('No command specified');
    const file = this.execProcess(c, o);
    this.ctx.events.emit('container', `exec_start: ${o.cmd.join(' ')}`, c.id, { name: c.name });
    const rt = this.runtime(c);
    const child = childProcess().spawn(rt.path, [...rt.globalArgs, 'exec', '--process', file, ...(o.tty ? ['--tty'] : []), c.id], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exit = new Promise<number>((resolve) => {
      child.on('error', () => resolve(126));
      child.on('close', (code, signal) => {
        rmSync(file, { force: true });
        resolve(code ?? (signal ? 128 + ((osConstants.signals as Record<string, number>)[signal] ?? 0) : 255));
      });
    });
    return { child, exit };
  }

  // ---------------------------------------------------------------- health

  /** One health check now: 0 healthy, 1 unhealthy, NOT_RUNNING when the container is not running. */
  async healthcheck(idOrName: string): Promise<number> {
    let c: ContainerRecord;
    try {
      c = await this.get(idOrName);
    } catch {
      return NOT_RUNNING;
    }
    const plan = healthPlan(c.config.Healthcheck);
    if (!plan) throw invalid(`container ${c.name} has no health check`);
    if (!c.state.Running) return NOT_RUNNING;
    if (c.state.Paused) return 1;
    const file = this.execProcess(c, { cmd: plan.test });
    const start = new Date();
    const res = await execCapture(this.runtime(c), c.id, file, plan.timeoutMs).finally(() => rmSync(file, { force: true }));
    let health: Health | undefined;
    writeTx(this.ctx.db, () => {
      const now = this.store.get(c.id);
      if (!now?.state.Running) return;
      health = recordResult(now.state.Health, { start, end: new Date(), code: res.code, output: res.output }, plan, Date.parse(now.state.StartedAt));
      this.store.setState(c.id, { ...now.state, Health: health });
      if (health.Status !== now.state.Health?.Status) this.ctx.events.emit('container', `health_status: ${health.Status}`, c.id, { name: c.name });
    });
    if (!health) return NOT_RUNNING;
    return health.Status === 'unhealthy' || res.code !== 0 ? 1 : 0;
  }

  private stopHealth(c: ContainerRecord): void {
    const pid = c.state.HealthPid;
    if (pid && pidAlive(pid)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }

  // ---------------------------------------------------------------- pause, rename, update, stats, top

  async pause(idOrName: string): Promise<void> {
    const c = await this.get(idOrName);
    if (!c.state.Running) throw conflict(`Container ${c.id} is not running`);
    if (c.state.Paused) throw conflict(`Container ${c.id} is already paused`);
    await this.runtime(c).pause(c.id);
    this.store.setState(c.id, { ...c.state, Paused: true, Status: 'paused' });
    this.ctx.events.emit('container', 'pause', c.id, { name: c.name });
  }

  async unpause(idOrName: string): Promise<void> {
    const c = await this.get(idOrName);
    if (!c.state.Paused) throw conflict(`Container ${c.id} is not paused`);
    await this.runtime(c).resume(c.id);
    this.store.setState(c.id, { ...c.state, Paused: false, Status: 'running' });
    this.ctx.events.emit('container', 'unpause', c.id, { name: c.name });
  }

  async rename(idOrName: string, newName: string): Promise<void> {
    const c = await this.get(idOrName);
    const name = validateName(newName);
    writeTx(this.ctx.db, () => {
      if (this.store.nameTaken(name)) throw conflict(`Conflict. The container name "/${name}" is already in use. You have to remove (or rename) that container to be able to reuse that name.`);
      this.ctx.db.prepare('UPDATE containers SET name = ? WHERE id = ?').run(name, c.id);
      this.ctx.events.emit('container', 'rename', c.id, { name, oldName: `/${c.name}` });
    });
  }

  /** Change limits (live, through the runtime) and the restart policy. */
  async update(idOrName: string, u: Partial<Pick<HostConfig, 'Memory' | 'MemorySwap' | 'NanoCpus' | 'CpuShares' | 'CpusetCpus' | 'PidsLimit' | 'RestartPolicy'>>): Promise<void> {
    const c = await this.get(idOrName);
    const hc: HostConfig = { ...c.hostConfig, ...u };
    if (hc.AutoRemove && u.RestartPolicy && u.RestartPolicy.Name !== 'no') throw invalid('Restart policy cannot be updated because AutoRemove is enabled for the container');
    if (c.state.Running) {
      const resources = buildSpec({ record: { ...c, hostConfig: hc }, rootfs: '', user: { uid: 0, gid: 0, additionalGids: [], home: '/' }, args: [], env: [], etc: { hostname: '', hosts: '', resolvConf: '' }, cgroupsPath: '' }).linux.resources;
      delete resources.devices;
      const file = `${this.paths(c.id).bundle}/update-${randomBytes(4).toString('hex')}.json`;
      writeFileSync(file, JSON.stringify(resources));
      try {
        await this.runtime(c).update(c.id, file);
      } finally {
        rmSync(file, { force: true });
      }
    }
    this.ctx.db.prepare('UPDATE containers SET host_config = ? WHERE id = ?').run(JSON.stringify(hc), c.id);
    this.ctx.events.emit('container', 'update', c.id, { name: c.name });
  }

  /** network connect on a running container: wire it now, and record it in the run's state. */
  async connectRunning(id: string, a: { network: string; aliases: string[]; ip?: string }): Promise<void> {
    const c = await this.get(id);
    const { dnsServers, ...wired } = await new NetworkService(this.ctx).connect({ id: c.id, name: c.name, bundle: this.paths(c.id).bundle }, a);
    // Names on the new network are answered by its own DNS server: add it (same file, same inode: it is bind-mounted).
    const resolv = this.paths(c.id).resolvConf;
    const current = readFileSync(resolv, 'utf8');
    const extra = dnsServers.filter((d) => !current.includes(`nameserver ${d}\n`));
    if (extra.length) writeFileSync(resolv, current.replace(/^(?=)/, extra.map((d) => `nameserver ${d}\n`).join('')));
    const now = this.store.get(c.id)!;
    this.store.setState(c.id, { ...now.state, Networks: { ...now.state.Networks, [a.network]: wired } });
    this.ctx.events.emit('network', 'connect', wired.NetworkID, { container: c.id, name: a.network });
  }

  async disconnectRunning(id: string, network: string): Promise<void> {
    const c = await this.get(id);
    const gone = await new NetworkService(this.ctx).disconnect({ id: c.id, name: c.name, bundle: this.paths(c.id).bundle }, network);
    // connect added the network's DNS server; a server no longer reachable only slows every lookup down.
    const resolv = this.paths(c.id).resolvConf;
    const current = existsSync(resolv) ? readFileSync(resolv, 'utf8') : '';
    const drop = gone.dnsServers.filter((d) => !(c.hostConfig.Dns ?? []).includes(d));
    const kept = current.split('\n').filter((l) => !drop.some((d) => l.trim() === `nameserver ${d}`)).join('\n');
    if (kept !== current) writeFileSync(resolv, kept);
    const now = this.store.get(c.id)!;
    const { [network]: _gone, ...rest } = now.state.Networks ?? {};
    this.store.setState(c.id, { ...now.state, Networks: rest });
    this.ctx.events.emit('network', 'disconnect', network, { container: c.id, name: network });
  }

  /**
   * network connect/disconnect: what the container joins at its next start and, when it is
   * running, the change made live (`berth network connect` and POST /networks/{id}/connect).
   */
  async changeNetwork(verb: 'connect' | 'disconnect', container: string, network: string, o: { aliases?: string[]; ip?: string } = {}): Promise<void> {
    const c = await this.get(container);
    const n = new NetworkService(this.ctx).resolve(network);
    const current = c.hostConfig.Networks ?? (['none', 'host'].includes(c.hostConfig.NetworkMode) || c.hostConfig.NetworkMode.startsWith('container:') ? [] : [{ network: c.hostConfig.NetworkMode, aliases: [] }]);
    let next = current.filter((a) => a.network !== n.name);
    if (verb === 'connect') {
      if (current.some((a) => a.network === n.name)) throw conflict(`endpoint with name ${c.name} already exists in network ${n.name}`);
      next = [...current, { network: n.name, aliases: o.aliases ?? [], ...(o.ip ? { ip: o.ip } : {}) }];
    } else if (next.length === current.length) throw conflict(`container ${c.name} is not connected to network ${n.name}`);
    if (c.state.Running) {
      if (verb === 'connect') await this.connectRunning(c.id, next[next.length - 1]);
      else await this.disconnectRunning(c.id, n.name);
    }
    this.setNetworks(c.id, next);
  }

  /** The networks a container joins at its next start. */
  setNetworks(id: string, networks: Array<{ network: string; aliases: string[]; ip?: string }>): void {
    const c = this.store.get(id);
    if (!c) throw notFound(`No such container: ${id}`);
    const hc: HostConfig = { ...c.hostConfig, Networks: networks, NetworkMode: networks[0]?.network ?? 'none' };
    this.ctx.db.prepare('UPDATE containers SET host_config = ? WHERE id = ?').run(JSON.stringify(hc), id);
  }

  /** Rootless, under the cgroup subtree delegated to the user when there is one (none: no cgroup control). */
  cgroupPath(c: ContainerRecord): string {
    return containerCgroupPath(this.ctx.config.rootless, c.id);
  }

  async stats(idOrName: string): Promise<{ c: ContainerRecord; stats: CgroupStats | undefined }> {
    const c = await this.get(idOrName);
    const path = this.cgroupPath(c);
    return { c, stats: c.state.Running && path ? cgroupStats(path) : undefined };
  }

  async processes(idOrName: string): Promise<number[]> {
    const c = await this.get(idOrName);
    if (!c.state.Running) throw conflict(`container ${c.id} is not running`);
    const path = this.cgroupPath(c);
    // Without a cgroup (rootless, nothing delegated): the processes in the container's PID namespace.
    return path ? cgroupPids(path) : pidNamespaceMembers(c.state.Pid);
  }

  /** Remove every stopped container (docker container prune). */
  async prune(filters: { until?: number; labels: string[] }): Promise<string[]> {
    const removed: string[] = [];
    for (const c of await this.list(true)) {
      if (c.state.Running || c.state.Paused || c.state.Restarting) continue;
      if (filters.until !== undefined && Date.parse(c.created) >= filters.until) continue;
      if (!filters.labels.every((l) => labelMatches(c.config.Labels, l))) continue;
      removed.push(await this.remove(c.id));
    }
    return removed;
  }

  /** stop (as the user, so no restart policy fires), release the old run, start again. */
  async restart(idOrName: string, timeoutSec?: number, signal?: string): Promise<ContainerRecord> {
    const c = await this.stop(idOrName, timeoutSec, signal);
    await this.cleanup(c.id);
    const started = await this.start(c.id);
    this.ctx.events.emit('container', 'restart', c.id, { name: c.name });
    return started;
  }

  // ---------------------------------------------------------------- exit and removal

  /**
   * Runs when a container's process has exited (conmon's exit command) and from stop/rm:
   * records the exit, releases the runtime and the rootfs mount, then restarts or removes
   * the container as its policy says. Safe to run more than once.
   */
  async cleanup(idOrName: string, runId?: string): Promise<void> {
    let id: string;
    try {
      id = this.store.resolve(idOrName).id;
    } catch {
      return;
    }
    await this.store.withLock(id, () => this.cleanupLocked(id, runId));
  }

  private async cleanupLocked(idOrName: string, runId?: string): Promise<void> {
    let c: ContainerRecord;
    try {
      c = await this.get(idOrName);
    } catch {
      return;
    }
    if (c.state.Running) return;
    // The monitor of an older run, arriving after the container was started again.
    if (runId && c.state.RunId && c.state.RunId !== runId) return;
    this.stopHealth(c);
    await this.teardown(c);
    this.ctx.events.emit('container', 'die', c.id, { name: c.name, exitCode: String(c.state.ExitCode) });
    const policy = c.hostConfig.RestartPolicy;
    const manual = c.state.ManuallyStopped;
    const restart = !manual && (policy.Name === 'always' || policy.Name === 'unless-stopped' || (policy.Name === 'on-failure' && c.state.ExitCode !== 0 && (policy.MaximumRetryCount === 0 || c.restartCount < policy.MaximumRetryCount)));
    if (restart) {
      this.store.setState(c.id, { ...c.state, Status: 'restarting', Restarting: true }, c.restartCount + 1);
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** c.restartCount, 5000)));
      const again = this.store.get(c.id);
      if (!again || again.state.ManuallyStopped) return;
      // The record stays `restarting` until start marks it running: no reader sees a final-looking `exited` in between.
      await this.start(c.id).catch((e: Error) => {
        log.warn(`restarting ${c.name}: ${e.message}`);
        const now = this.store.get(c.id);
        if (now) this.store.setState(c.id, { ...now.state, Restarting: false, Status: 'exited', Error: e.message });
      });
      return;
    }
    if (c.hostConfig.AutoRemove) await this.removeLocked(c.id, { force: true }, true);
  }

  /**
   * Release what a run of the container held: the runtime's state (and cgroups), its network and
   * its root filesystem's mount. Once its processes are gone these are independent of each other,
   * so the three (each a process of its own: runc delete, netavark, umount) go at once; a failed
   * unmount is reported after the others have finished.
   */
  private async teardown(c: ContainerRecord): Promise<void> {
    const p = this.paths(c.id);
    const [, , unmounted] = await Promise.allSettled([
      this.runtime(c).delete(c.id).catch(() => undefined),
      new NetworkService(this.ctx).detach(c.id, p.bundle).catch((e: Error) => log.warn(`network teardown of ${c.name}: ${e.message}`)),
      unmount(p.rootfs),
    ]);
    if (unmounted.status === 'rejected') throw unmounted.reason;
  }

  async remove(idOrName: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<string> {
    const { id } = this.store.resolve(idOrName);
    return this.store.withLock(id, () => this.removeLocked(id, opts));
  }

  private async removeLocked(idOrName: string, opts: { force?: boolean; volumes?: boolean }, tornDown = false): Promise<string> {
    let c = await this.get(idOrName);
    if (c.hostConfig.Pod) {
      const { PodService } = await import('./pods.js');
      const pods = new PodService(this.ctx);
      const pod = pods.all().find((p) => p.id === c.hostConfig.Pod);
      if (pod?.infra_id === c.id && pods.members(pod).length > 1) throw conflict(`container ${c.name} is the infra container of pod ${pod.name}: remove the pod (berth pod rm)`);
    }
    if (c.state.Running || c.state.Paused) {
      if (!opts.force) throw conflict(`cannot remove container "${c.name}": container is running: stop the container before removing or force remove`);
      this.store.setState(c.id, { ...c.state, ManuallyStopped: true });
      await this.runtime(c).kill(c.id, 'SIGKILL', true).catch(() => undefined);
      await this.wait(c.id, 10_000).catch(() => undefined);
      c = await this.get(c.id);
    }
    this.stopHealth(c);
    const p = this.paths(c.id);
    if (!tornDown) await this.teardown(c);
    // The monitor's cleanup and an attached `run --rm` may both get here: one deletes the row.
    if (this.store.delete(c.id)) this.ctx.events.emit('container', 'destroy', c.id, { name: c.name });
    rmSync(p.bundle, { recursive: true, force: true });
    rmSync(p.data, { recursive: true, force: true });
    if (p.reachable) rmSync(p.reachable, { recursive: true, force: true });
    // conmon 2.1.6 leaves the link to its attach socket's directory (<socketDir>/<short id>)
    rmSync(dirname(p.attach), { force: true });
    if (opts.volumes || c.hostConfig.AutoRemove) {
      const volumes = new VolumeService(this.ctx);
      for (const m of c.hostConfig.Mounts ?? []) {
        if (m.Type === 'volume' && volumes.store.get(m.Source)?.Anonymous) await volumes.remove(m.Source).catch((e: Error) => log.debug(`rm -v: ${e.message}`));
      }
    }
    return c.id;
  }
}

