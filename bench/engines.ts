// The engines under measurement, behind one small interface: berth (always), docker (when
// a daemon answers or one can be started) and podman (when installed). berth and podman
// keep their stores in temp dirs owned by the harness; docker uses the system store, and
// the harness only ever removes images carrying its own label (berth.bench=...),
// containers labelled berth.bench=1 (every container a scenario makes carries it) and
// networks whose name starts with `berthbench` (every network a scenario makes has one).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { check, errorMessage, killGroup, log, repoRoot, removeTree, run, sleep, type CmdResult } from './util.js';

export type EngineName = 'berth' | 'docker' | 'podman';
export const ENGINE_NAMES: readonly EngineName[] = ['berth', 'docker', 'podman'];

/** Label that every generated image carries; docker clean-up is limited to it. */
export const BENCH_LABEL = 'berth.bench';
/** Label (key=value) of every container the scenarios create, on every engine. */
export const CONTAINER_LABEL = `${BENCH_LABEL}=1`;
/** Prefix of the name of every network the scenarios create; network clean-up is limited to it. */
export const NETWORK_PREFIX = 'berthbench';

export interface Engine {
  readonly name: EngineName;
  /** The binary that is run. */
  readonly bin: string;
  /** Version string(s), for the results file. */
  readonly version: string;
  /** Notes on how the engine is set up (store location, started daemon, ...). */
  readonly notes: string[];
  /** argv for `<engine> <args...>`, with the engine's global flags. */
  argv(args: string[]): string[];
  /** argv to pull a reference from the plain-HTTP bench registry on 127.0.0.1. */
  pullArgv(ref: string): string[];
  /**
   * Leaves the store holding none of the bench's images, untimed. berth and podman get a new
   * empty store (and one untimed `images` so that store initialisation is not measured);
   * docker loses every image labelled berth.bench and the layers only they used.
   */
  resetStore(): Promise<void>;
  close(): Promise<void>;
}

const PULL_TIMEOUT = 10 * 60_000;

export async function exec(engine: Engine, args: string[], timeoutMs = PULL_TIMEOUT): Promise<CmdResult> {
  return check(engine.argv(args), { timeoutMs });
}

/** Full IDs of the engine's containers labelled berth.bench=1, in any state. */
export async function benchContainers(engine: Engine): Promise<string[]> {
  const r = await exec(engine, ['ps', '-a', '-q', '--no-trunc', '--filter', `label=${CONTAINER_LABEL}`], 120_000);
  return [...new Set(r.stdout.split('\n').map((s) => s.trim()).filter(Boolean))];
}

/** `rm -f` of the given containers, running or not, 50 at a time. */
export async function removeContainers(engine: Engine, ids: readonly string[]): Promise<void> {
  // podman's `rm -f` waits 10 s for a container to stop on SIGTERM (which `sleep` as PID 1
  // ignores) before it kills it; docker's (and berth's) kill at once.
  const force = engine.name === 'podman' ? ['rm', '-f', '-t', '0'] : ['rm', '-f'];
  for (let i = 0; i < ids.length; i += 50) await exec(engine, [...force, ...ids.slice(i, i + 50)], 10 * 60_000);
}

/** Removes every container labelled berth.bench=1 (for docker: only those, never others). */
export async function removeBenchContainers(engine: Engine): Promise<void> {
  await removeContainers(engine, await benchContainers(engine));
}

/** Names of the engine's networks that start with NETWORK_PREFIX. */
export async function benchNetworks(engine: Engine): Promise<string[]> {
  const r = await exec(engine, ['network', 'ls', '--format', '{{.Name}}'], 120_000);
  return [...new Set(r.stdout.split('\n').map((s) => s.trim()))].filter((n) => n.startsWith(NETWORK_PREFIX));
}

/**
 * Removes every network named berthbench... (on docker only those, never others). Their
 * containers must be gone first: `network rm` refuses a network in use.
 */
export async function removeBenchNetworks(engine: Engine): Promise<void> {
  const names = await benchNetworks(engine);
  if (names.length > 0) await exec(engine, ['network', 'rm', ...names], 120_000);
}

/**
 * removeBenchContainers() and then removeBenchNetworks() at exit: logs a failure instead of
 * throwing. The networks matter even where the store goes afterwards: podman keeps its
 * network definitions in /etc/containers/networks, outside the harness's store.
 */
async function cleanUpContainersAndNetworks(engine: Engine): Promise<void> {
  try {
    await removeBenchContainers(engine);
  } catch (e) {
    log(`${engine.name}: container clean-up failed: ${errorMessage(e)}`);
    return;
  }
  try {
    await removeBenchNetworks(engine);
  } catch (e) {
    log(`${engine.name}: network clean-up failed: ${errorMessage(e)}`);
  }
}

// ---------------------------------------------------------------------------------------

class BerthEngine implements Engine {
  readonly name = 'berth' as const;
  readonly notes: string[] = [];
  version = 'unknown';
  private readonly root: string;
  private readonly runroot: string;

  constructor(
    readonly bin: string,
    private readonly base: string,
  ) {
    this.root = join(base, 'root');
    this.runroot = join(base, 'run');
    this.notes.push(`--root ${this.root} --runroot ${this.runroot}`);
  }

  async init(): Promise<void> {
    const r = await run([this.bin, '--version'], { timeoutMs: 30_000 });
    this.version = r.code === 0 ? r.stdout.trim().split('\n')[0] : `unknown (--version: exit ${r.code})`;
  }

  argv(args: string[]): string[] {
    return [this.bin, '--root', this.root, '--runroot', this.runroot, ...args];
  }

  pullArgv(ref: string): string[] {
    // berth treats localhost and 127.0.0.0/8 registries as insecure (plain HTTP) by default.
    return this.argv(['pull', '-q', ref]);
  }

  async resetStore(): Promise<void> {
    await removeTree(this.base);
    await mkdir(this.root, { recursive: true });
    await mkdir(this.runroot, { recursive: true });
    await run(this.argv(['images', '-q']), { timeoutMs: 60_000 });
  }

  async close(): Promise<void> {
    // Containers left by a scenario that could not clean up: their monitors would outlive the store.
    if (existsSync(this.root)) await cleanUpContainersAndNetworks(this);
    await removeTree(this.base);
  }
}

// ---------------------------------------------------------------------------------------

class PodmanEngine implements Engine {
  readonly name = 'podman' as const;
  readonly notes: string[] = [];
  version = 'unknown';

  constructor(
    readonly bin: string,
    private readonly base: string,
  ) {
    this.notes.push(`--root ${join(base, 'root')} --runroot ${join(base, 'run')} --storage-driver overlay --runtime runc`);
  }

  async init(): Promise<void> {
    const r = await check([this.bin, '--version'], { timeoutMs: 30_000 });
    this.version = r.stdout.trim();
  }

  argv(args: string[]): string[] {
    return [
      this.bin,
      '--root',
      join(this.base, 'root'),
      '--runroot',
      join(this.base, 'run'),
      '--tmpdir',
      join(this.base, 'tmp'),
      '--storage-driver',
      'overlay',
      // crun refuses hybrid cgroups on these hosts; runc works. (Pulls never run it.)
      '--runtime',
      'runc',
      '--cgroup-manager',
      'cgroupfs',
      '--events-backend',
      'file',
      ...args,
    ];
  }

  pullArgv(ref: string): string[] {
    return this.argv(['pull', '-q', '--tls-verify=false', ref]);
  }

  async resetStore(): Promise<void> {
    if (existsSync(join(this.base, 'root'))) await run(this.argv(['rmi', '-af']), { timeoutMs: 5 * 60_000 });
    await removeTree(this.base);
    for (const d of ['root', 'run', 'tmp']) await mkdir(join(this.base, d), { recursive: true });
    await check(this.argv(['images', '-q']), { timeoutMs: 60_000 });
  }

  async close(): Promise<void> {
    if (existsSync(join(this.base, 'root'))) {
      await cleanUpContainersAndNetworks(this);
      await run(this.argv(['rmi', '-af']), { timeoutMs: 5 * 60_000 });
    }
    await removeTree(this.base);
  }
}

// ---------------------------------------------------------------------------------------

interface StartedDaemon {
  pid: number;
  logPath: string;
  exited: Promise<void>;
  isRunning(): boolean;
}

class DockerEngine implements Engine {
  readonly name = 'docker' as const;
  readonly notes: string[] = [];

  constructor(
    readonly bin: string,
    readonly version: string,
    private readonly daemon: StartedDaemon | null,
  ) {
    this.notes.push(`client ${bin}`);
    this.notes.push(daemon ? `dockerd started by the harness (log ${daemon.logPath})` : 'dockerd already running');
    this.notes.push('system store; clean-up limited to images labelled berth.bench');
  }

  argv(args: string[]): string[] {
    return [this.bin, ...args];
  }

  pullArgv(ref: string): string[] {
    // dockerd treats 127.0.0.0/8 registries as insecure by default.
    return this.argv(['pull', '-q', ref]);
  }

  async resetStore(): Promise<void> {
    const ids = await check(this.argv(['images', '-a', '-q', '--no-trunc', '--filter', `label=${BENCH_LABEL}`]), {
      timeoutMs: 120_000,
    });
    const unique = [...new Set(ids.stdout.split('\n').map((s) => s.trim()).filter(Boolean))];
    for (let i = 0; i < unique.length; i += 100)
      await check(this.argv(['rmi', '-f', ...unique.slice(i, i + 100)]), { timeoutMs: 10 * 60_000 });
    await check(this.argv(['image', 'prune', '-af', '--filter', `label=${BENCH_LABEL}`]), { timeoutMs: 10 * 60_000 });
  }

  async close(): Promise<void> {
    await cleanUpContainersAndNetworks(this);
    try {
      await this.resetStore();
    } catch (e) {
      log(`docker: clean-up failed: ${errorMessage(e)}`);
    }
    if (this.daemon) await stopDaemon(this.daemon);
  }
}

const DOCKER_CLIS = [process.env.BENCH_DOCKER, '/usr/local/bin/docker', '/usr/bin/docker'].filter(
  (x): x is string => !!x,
);

/** The first docker CLI that gets an answer from the daemon, with the server version. */
async function dockerCliThatWorks(): Promise<{ bin: string; version: string } | null> {
  for (const bin of DOCKER_CLIS) {
    if (!existsSync(bin)) continue;
    const r = await run([bin, 'version', '--format', '{{.Server.Version}} (client {{.Client.Version}})'], {
      timeoutMs: 20_000,
    });
    if (r.code === 0 && r.stdout.trim() !== '') return { bin, version: `dockerd ${r.stdout.trim()}` };
  }
  return null;
}

async function startDaemon(tmp: string): Promise<StartedDaemon> {
  const dockerd = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => existsSync(p));
  if (!dockerd) throw new Error('dockerd is not installed');
  const logPath = join(tmp, 'dockerd.log');
  const fd = openSync(logPath, 'w');
  const child = spawn(dockerd, [], { stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  let running = true;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', () => {
      running = false;
      resolve();
    });
    child.on('error', () => {
      running = false;
      resolve();
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${dockerd}`);
  return { pid: child.pid, logPath, exited, isRunning: () => running };
}

async function stopDaemon(d: StartedDaemon): Promise<void> {
  if (!d.isRunning()) return;
  log('stopping the dockerd that the harness started');
  // dockerd shuts its containerd down itself on SIGTERM.
  try {
    process.kill(d.pid, 'SIGTERM');
  } catch {
    return;
  }
  const done = await Promise.race([d.exited.then(() => true), sleep(30_000).then(() => false)]);
  if (!done) {
    killGroup(d.pid, 'SIGKILL');
    await Promise.race([d.exited, sleep(5000)]);
  }
}

async function setUpDocker(tmp: string): Promise<DockerEngine | string> {
  const found = await dockerCliThatWorks();
  if (found) return new DockerEngine(found.bin, found.version, null);
  log('docker: no daemon answers; starting dockerd');
  let daemon: StartedDaemon;
  try {
    daemon = await startDaemon(tmp);
  } catch (e) {
    return errorMessage(e);
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && daemon.isRunning()) {
    await sleep(500);
    const ok = await dockerCliThatWorks();
    if (ok) return new DockerEngine(ok.bin, ok.version, daemon);
  }
  await stopDaemon(daemon);
  const tail = (await readFile(daemon.logPath, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join(' | ');
  return `dockerd did not come up within 60 s: ${tail}`;
}

// ---------------------------------------------------------------------------------------

export interface EngineSet {
  engines: Engine[];
  /** Why a peer that was asked for is missing. */
  missing: Partial<Record<EngineName, string>>;
}

export const DEFAULT_BERTH = process.env.BERTH_BIN ?? join(repoRoot, 'bin', 'berth');

export async function setUpEngines(wanted: readonly EngineName[], tmp: string, berthBin = DEFAULT_BERTH): Promise<EngineSet> {
  const engines: Engine[] = [];
  const missing: Partial<Record<EngineName, string>> = {};
  if (wanted.includes('berth')) {
    const b = new BerthEngine(berthBin, join(tmp, 'berth'));
    await b.init();
    engines.push(b);
  }
  if (wanted.includes('docker')) {
    const d = await setUpDocker(tmp);
    if (typeof d === 'string') missing.docker = d;
    else engines.push(d);
  }
  if (wanted.includes('podman')) {
    const bin = ['/usr/bin/podman', '/usr/local/bin/podman'].find((p) => existsSync(p));
    if (!bin) missing.podman = 'podman is not installed';
    else {
      const p = new PodmanEngine(bin, join(tmp, 'podman'));
      try {
        await p.init();
        engines.push(p);
      } catch (e) {
        missing.podman = errorMessage(e);
      }
    }
  }
  for (const e of engines) log(`engine ${e.name}: ${e.version} [${e.notes.join('; ')}]`);
  for (const [name, why] of Object.entries(missing)) log(`engine ${name}: not measured: ${why}`);
  return { engines, missing };
}
