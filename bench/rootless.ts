// Rootless engines for the rootless scenarios (rootless-scenarios.ts): berth and podman run
// by an ordinary user, the bench user (`berthbench`, made with useradd if missing, which
// gives it /etc/subuid and /etc/subgid ranges; kept between harness runs). Each harness run
// gives the user a fresh private base dir next to the harness's temp dir, holding its
// XDG_DATA_HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME, and a fresh XDG_RUNTIME_DIR (0700) at
// /run/user/UID (short on purpose, see runtimeDirFor), so both engines start from empty
// stores at their default rootless locations (berth:
// $XDG_DATA_HOME/berth and $XDG_RUNTIME_DIR/berth; podman: $XDG_DATA_HOME/containers and
// $XDG_RUNTIME_DIR/containers, libpod). No --root/--runroot is passed to either engine: berth's
// launcher takes its fast path into the user's namespace (bin/berth) only without them.
//
// Every command runs as `setpriv --reuid --regid --init-groups -- env -i -C BASE VARS...
// ENGINE ARGS...`: two small execs (about 2.5 ms together on these machines, the same for
// both engines) in front of the engine, and no PAM session (runuser costs about 4 ms more).
// The engines implement the harness's Engine interface, so the container helpers
// (containers.ts, removeBenchContainers, the port-throughput scenario) work on them as they
// are.
//
// At exit, after the engines removed their containers, every process of the user that runs
// with this harness run's XDG_RUNTIME_DIR (found through /proc/PID/environ: the engines'
// pause processes, berth's slirp4netns, monitors of containers that could not be removed)
// is killed by its PID, and the base dir and the runtime dir are removed. The user stays.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { removeBenchContainers, type Engine, type EngineName } from './engines.js';
import { check, errorMessage, log, removeTree, run, sleep } from './util.js';

/** The bench user; $BENCH_ROOTLESS_USER overrides it. */
export const BENCH_USER = process.env.BENCH_ROOTLESS_USER || 'berthbench';

export interface BenchUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  /** Whether this harness run created it. */
  created: boolean;
  subuid: string;
  subgid: string;
}

function subRange(file: string, name: string, uid: number): string | undefined {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.startsWith(`${name}:`) || l.startsWith(`${uid}:`));
  return line?.trim();
}

/** The bench user, created (useradd -m) when missing; it must have subordinate id ranges. */
export async function ensureBenchUser(name = BENCH_USER): Promise<BenchUser> {
  let created = false;
  let id = await run(['id', '-u', name], { timeoutMs: 10_000 });
  if (id.code !== 0) {
    log(`rootless: creating the bench user ${name} (useradd -m; it is kept for later runs)`);
    await check(['useradd', '-m', '-s', '/bin/sh', name], { timeoutMs: 60_000 });
    created = true;
    id = await check(['id', '-u', name], { timeoutMs: 10_000 });
  }
  const uid = Number(id.stdout.trim());
  const gid = Number((await check(['id', '-g', name], { timeoutMs: 10_000 })).stdout.trim());
  const passwd = (await check(['getent', 'passwd', name], { timeoutMs: 10_000 })).stdout.trim().split(':');
  const home = passwd[5] || `/home/${name}`;
  const subuid = subRange('/etc/subuid', name, uid);
  const subgid = subRange('/etc/subgid', name, uid);
  if (!subuid || !subgid)
    throw new Error(
      `the bench user ${name} has no range in ${subuid ? '/etc/subgid' : '/etc/subuid'} (useradd adds one when SUB_UID_COUNT/SUB_GID_COUNT ` +
        `are set in /etc/login.defs); add one, e.g. usermod --add-subuids 500000-565535 --add-subgids 500000-565535 ${name}`,
    );
  return { name, uid, gid, home, created, subuid, subgid };
}

/** Why rootless networking cannot work here (slirp4netns needs /dev/net/tun), or null. */
export function tunProblem(): string | null {
  let mode: number;
  try {
    mode = statSync('/dev/net/tun').mode & 0o777;
  } catch (e) {
    return `/dev/net/tun is missing (${errorMessage(e)}): rootless networking (slirp4netns) cannot work`;
  }
  if ((mode & 0o666) !== 0o666)
    return (
      `/dev/net/tun is mode 0${mode.toString(8)}, not 0666, so an ordinary user's slirp4netns cannot open it ` +
      `(chmod 0666 /dev/net/tun, as udev sets it on a standard install); the networked rootless lines are skipped`
    );
  return null;
}

/** The user, its private base dir for this harness run and the environment its commands get. */
export class RootlessSession {
  readonly env: Record<string, string>;
  readonly runtimeDir: string;

  constructor(
    readonly user: BenchUser,
    readonly base: string,
    runtimeDir = join(base, 'runtime'),
  ) {
    this.runtimeDir = runtimeDir;
    this.env = {
      HOME: user.home,
      USER: user.name,
      LOGNAME: user.name,
      PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
      LANG: 'C.UTF-8',
      XDG_RUNTIME_DIR: this.runtimeDir,
      XDG_DATA_HOME: join(base, 'data'),
      XDG_CONFIG_HOME: join(base, 'config'),
      XDG_CACHE_HOME: join(base, 'cache'),
    };
  }

  /** argv that runs argv as the user, in the base dir, with exactly this.env (plus `extra`). */
  asUser(argv: string[], extra: Record<string, string> = {}): string[] {
    const vars = Object.entries({ ...this.env, ...extra }).map(([k, v]) => `${k}=${v}`);
    return [
      'setpriv',
      `--reuid=${this.user.uid}`,
      `--regid=${this.user.gid}`,
      '--init-groups',
      '--',
      '/usr/bin/env',
      '-i',
      `--chdir=${this.base}`,
      ...vars,
      ...argv,
    ];
  }

  /** PIDs of the user's processes that run with this session's XDG_RUNTIME_DIR. */
  processes(): number[] {
    const want = `XDG_RUNTIME_DIR=${this.runtimeDir}`;
    const found: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const status = readFileSync(`/proc/${d}/status`, 'utf8');
        const uids = /^Uid:\s+(\d+)/m.exec(status);
        if (!uids || Number(uids[1]) !== this.user.uid) continue;
        if (readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(want)) found.push(Number(d));
      } catch {
        /* gone, or a kernel thread */
      }
    }
    return found;
  }

  /** Kills (by PID) what the engines left running for this session, then removes its base dir. */
  async close(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      const pids = this.processes();
      if (pids.length === 0) break;
      log(`rootless: stopping ${pids.length} process(es) of ${this.user.name} left by this run: ${pids.map((p) => `${p} (${comm(p)})`).join(', ')}`);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      for (let i = 0; i < 50 && pids.some((p) => existsSync(`/proc/${p}`)); i++) await sleep(100);
    }
    await removeTree(this.base);
    if (!this.runtimeDir.startsWith(`${this.base}/`)) await removeTree(this.runtimeDir);
  }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/**
 * The user's XDG_RUNTIME_DIR: /run/user/UID as a login session would have it (or
 * /tmp/berth-bench-run-UID where /run/user does not exist), made afresh for each harness run.
 * It must stay short: podman 4.3 rootless with an XDG_RUNTIME_DIR of 40 characters or more
 * (e.g. /tmp/berth-bench-rootless-XXXXXX/runtime) waits 20 s after every attached
 * `run --rm` ("Exceeded conmon timeout waiting for container to exit" in its debug log),
 * although the container exits at once; with 39 it does not.
 */
function runtimeDirFor(user: BenchUser): string {
  return existsSync('/run/user') ? `/run/user/${user.uid}` : `/tmp/berth-bench-run-${user.uid}`;
}

async function makeSession(user: BenchUser, parent: string): Promise<RootlessSession> {
  const base = await mkdtemp(join(parent, 'berth-bench-rootless-'));
  const s = new RootlessSession(user, base, runtimeDirFor(user));
  // The runtime dir is the same for every harness run: one that another run still uses (its
  // engines' pause processes hold it) is not taken over.
  const users = s.processes();
  if (users.length > 0) {
    await removeTree(base);
    throw new Error(
      `${s.runtimeDir} is in use by ${users.length} process(es) of ${user.name} (${users.map((p) => `${p} ${comm(p)}`).join(', ')}): ` +
        'another harness run, or one that could not clean up (stop those processes, then run again)',
    );
  }
  await removeTree(s.runtimeDir);
  for (const d of [base, s.runtimeDir, s.env.XDG_DATA_HOME, s.env.XDG_CONFIG_HOME, s.env.XDG_CACHE_HOME]) {
    mkdirSync(d, { recursive: true });
    chownSync(d, user.uid, user.gid);
    chmodSync(d, 0o700);
  }
  return s;
}

// ---------------------------------------------------------------------------------------

abstract class RootlessEngine implements Engine {
  abstract readonly name: EngineName;
  readonly notes: string[] = [];
  version = 'unknown';

  constructor(
    readonly bin: string,
    protected readonly session: RootlessSession,
  ) {
    this.notes.push(
      `rootless, as ${session.user.name} (uid ${session.user.uid}); XDG_RUNTIME_DIR ${session.runtimeDir}, XDG data/config/cache under ${session.base}`,
    );
  }

  protected abstract globalFlags(): string[];

  argv(args: string[]): string[] {
    return this.session.asUser([this.bin, ...this.globalFlags(), ...args]);
  }

  abstract pullArgv(ref: string): string[];

  async init(): Promise<void> {
    const r = await run(this.session.asUser([this.bin, '--version']), { timeoutMs: 30_000 });
    if (r.code !== 0) {
      const why = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-2).join(' | ');
      throw new Error(
        `${this.bin} --version as ${this.session.user.name}: exit ${r.code}: ${why}` +
          ` (the user must be able to read and run it: its tree and every parent dir world-readable)`,
      );
    }
    this.version = r.stdout.trim().split('\n')[0];
  }

  async resetStore(): Promise<void> {
    // The container scenarios never ask for one: the store is new for each harness run.
    throw new Error('rootless engines get one empty store per harness run; resetStore is not supported');
  }

  async close(): Promise<void> {
    try {
      await removeBenchContainers(this);
    } catch (e) {
      log(`${this.name} (rootless): container clean-up failed: ${errorMessage(e)}`);
    }
  }
}

class RootlessBerth extends RootlessEngine {
  readonly name = 'berth' as const;

  protected globalFlags(): string[] {
    return [];
  }

  pullArgv(ref: string): string[] {
    return this.argv(['pull', '-q', ref]);
  }
}

class RootlessPodman extends RootlessEngine {
  readonly name = 'podman' as const;

  constructor(bin: string, session: RootlessSession) {
    super(bin, session);
    this.notes.push('--storage-driver overlay --runtime runc --cgroup-manager cgroupfs --events-backend file');
  }

  protected globalFlags(): string[] {
    // As for root (engines.ts): crun refuses this host's hybrid cgroups, runc works.
    return ['--storage-driver', 'overlay', '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  }

  pullArgv(ref: string): string[] {
    return this.argv(['pull', '-q', '--tls-verify=false', ref]);
  }
}

// ---------------------------------------------------------------------------------------

export interface RootlessSetup {
  session: RootlessSession;
  engines: Engine[];
  /** Why an engine that was asked for is missing. */
  missing: Partial<Record<EngineName, string>>;
  /** What the results file records about the set-up. */
  info: Record<string, unknown>;
}

/**
 * The bench user, a fresh session for it, and berth and podman as that user (those of
 * `wanted` that exist; docker has no rootless line). Registers nothing: the caller closes
 * the engines and then the session.
 */
export async function setUpRootless(wanted: readonly EngineName[], harnessTmp: string, berthBin: string): Promise<RootlessSetup> {
  if (process.getuid?.() !== 0) throw new Error('the rootless scenarios need the harness to run as root (it sets up the bench user)');
  const user = await ensureBenchUser();
  const session = await makeSession(user, dirname(harnessTmp));
  const tun = tunProblem();
  log(`rootless: user ${user.name} (uid ${user.uid}; ${user.subuid}; ${user.subgid}), base ${session.base}`);
  if (tun) log(`rootless: ${tun}`);
  const engines: Engine[] = [];
  const missing: Partial<Record<EngineName, string>> = {};
  const candidates: Array<[EngineName, () => RootlessEngine | string]> = [
    ['berth', () => new RootlessBerth(berthBin, session)],
    [
      'podman',
      () => {
        const bin = ['/usr/bin/podman', '/usr/local/bin/podman'].find((p) => existsSync(p));
        return bin ? new RootlessPodman(bin, session) : 'podman is not installed';
      },
    ],
  ];
  for (const [name, make] of candidates) {
    if (!wanted.includes(name)) continue;
    const e = make();
    if (typeof e === 'string') {
      missing[name] = e;
      continue;
    }
    try {
      await e.init();
    } catch (err) {
      // berth stays in (its failures show in the table); a peer that cannot run is left out.
      if (name !== 'berth') {
        missing[name] = errorMessage(err);
        continue;
      }
      e.notes.push(`--version failed: ${errorMessage(err)}`);
    }
    engines.push(e);
  }
  for (const e of engines) log(`rootless engine ${e.name}: ${e.version} [${e.notes.join('; ')}]`);
  for (const [name, why] of Object.entries(missing)) log(`rootless engine ${name}: not measured: ${why}`);
  return {
    session,
    engines,
    missing,
    info: {
      user: { name: user.name, uid: user.uid, createdByThisRun: user.created, subuid: user.subuid, subgid: user.subgid },
      base: session.base,
      runtimeDir: session.runtimeDir,
      devNetTun: tun ?? 'usable (mode 0666)',
      engines: engines.map((e) => ({ name: e.name, bin: e.bin, version: e.version, notes: e.notes })),
      missing,
    },
  };
}
