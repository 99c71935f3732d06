// The Engine API scenarios: berth's `system service` socket against dockerd's, with the same
// docker CLI and the same raw HTTP client on both sides (podman is not a subject here).
//
// - api-run-rm:      `docker run --rm IMAGE true` through the socket (the CLI's create,
//                    attach, start, wait and remove calls).
// - api-ps-300:      GET /containers/json?all=1 with 300 created containers present, timed
//                    in-process (one request over the unix socket, the body parsed and counted).
// - api-idle-rss:    RSS of the idle service (after it has answered the other scenarios'
//                    kind of requests) against dockerd + containerd's (not a timing).
// - api-concurrent:  200 /_ping and 200 /containers/json requests sent at once; every one
//                    must be answered 200, the time is for all of them.
//
// berth's service runs from the harness's berth store (`berth --root ... system service`) on
// a socket in the temp dir, started in each scenario's set-up and stopped at its tear-down.
// dockerd is the one the harness found or started (/var/run/docker.sock).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { containerFlags, eachLimited, prepareContainerImage } from './containers.js';
import { exec, removeBenchContainers, type Engine } from './engines.js';
import type { BenchContext, Scenario, Subject } from './scenarios/types.js';
import { check, log, sleep } from './util.js';

const DOCKER_SOCK = '/var/run/docker.sock';
const CLI = [process.env.BENCH_DOCKER, '/usr/local/bin/docker', '/usr/bin/docker'].find((p): p is string => !!p && existsSync(p));

/** A berth service on a socket of its own, for one scenario. */
class Service {
  child: ChildProcess | undefined;
  constructor(
    private readonly engine: Engine,
    readonly sock: string,
  ) {}

  async start(): Promise<void> {
    await mkdir(join(this.sock, '..'), { recursive: true });
    await rm(this.sock, { force: true });
    const argv = this.engine.argv(['system', 'service', '--time', '0', `unix://${this.sock}`]);
    const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
    this.child = child;
    for (let i = 0; i < 200 && !existsSync(this.sock); i++) {
      if (child.exitCode !== null) throw new Error(`berth system service exited ${child.exitCode}`);
      await sleep(50);
    }
    if (!existsSync(this.sock)) throw new Error('berth system service did not listen within 10 s');
  }

  async stop(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await Promise.race([gone, sleep(10_000)]);
  }
}

/** One request over a unix socket; rejects unless the status is 200. */
function get(sock: string, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, path, method: 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`GET ${path}: ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The API subjects: berth through its service, docker through dockerd; none without a docker CLI. */
function apiSubjects(
  ctx: BenchContext,
  name: string,
  hooks: {
    setup?(engine: Engine, sock: string, image: string): Promise<void>;
    run(engine: Engine, sock: string, image: string, service: Service | undefined): Promise<number | void>;
  },
): Subject[] {
  if (!CLI) {
    log(`${name}: no docker CLI (the API's client); nothing to measure`);
    return [];
  }
  return ctx.engines
    .filter((e) => e.name === 'berth' || e.name === 'docker')
    .map((engine): Subject => {
      const service = engine.name === 'berth' ? new Service(engine, join(ctx.tmp, 'api', `${name}.sock`)) : undefined;
      const sock = service?.sock ?? DOCKER_SOCK;
      let image = '';
      return {
        name: engine.name === 'berth' ? 'berth (service)' : 'docker (dockerd)',
        engine: engine.name,
        async setup() {
          image = await prepareContainerImage(engine, ctx);
          await service?.start();
          await hooks.setup?.(engine, sock, image);
        },
        run: () => hooks.run(engine, sock, image, service),
        async teardown() {
          await service?.stop();
          await removeBenchContainers(engine);
        },
      };
    });
}

function cli(sock: string, args: string[]): Promise<{ seconds: number }> {
  return check([CLI!, '--host', `unix://${sock}`, ...args], { timeoutMs: 120_000 });
}

const COUNT = 300;

/** Resident set in kB of the given pids and all their descendants. */
async function treeRssKb(roots: number[]): Promise<number> {
  const parent = new Map<number, number>();
  for (const n of await readdir('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    const stat = await readFile(`/proc/${n}/stat`, 'utf8').catch(() => '');
    const m = /\) \S+ (\d+)/.exec(stat);
    if (m) parent.set(Number(n), Number(m[1]));
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p && p > 1; p = parent.get(p)) if (roots.includes(p)) return true;
    return false;
  };
  let kb = 0;
  for (const pid of parent.keys()) {
    if (!inTree(pid)) continue;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    kb += Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  }
  return kb;
}

/** dockerd's and containerd's pids (not the shims: they are per container). */
async function dockerDaemonPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const n of await readdir('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    const comm = (await readFile(`/proc/${n}/comm`, 'utf8').catch(() => '')).trim();
    if (comm === 'dockerd' || comm === 'containerd') pids.push(Number(n));
  }
  if (!pids.length) throw new Error('no dockerd/containerd process found');
  return pids;
}

export const apiRunRm: Scenario = {
  name: 'api-run-rm',
  summary: '`docker run --rm IMAGE true` through the API socket (berth system service vs dockerd)',
  target: { text: 'berth <= 0.5 x docker', ratio: 0.5, against: ['docker'] },
  subjects: (ctx) =>
    apiSubjects(ctx, 'api-run-rm', {
      run: async (engine, sock, image) => (await cli(sock, ['run', '--rm', ...containerFlags(engine), image, 'true'])).seconds,
    }),
};

export const apiPs300: Scenario = {
  name: 'api-ps-300',
  summary: `GET /containers/json?all=1 with ${COUNT} created containers present`,
  target: { text: 'berth <= 0.5 x docker', ratio: 0.5, against: ['docker'] },
  subjects: (ctx) =>
    apiSubjects(ctx, 'api-ps-300', {
      async setup(engine, _sock, image) {
        await eachLimited(
          Array.from({ length: COUNT }, (_, i) => i),
          4,
          async () => void (await exec(engine, ['create', ...containerFlags(engine), image, 'true'], 120_000)),
        );
      },
      async run(_engine, sock, image) {
        const t0 = process.hrtime.bigint();
        const list = JSON.parse((await get(sock, '/containers/json?all=1')).toString()) as Array<{ Image: string }>;
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const n = list.filter((c) => c.Image === image).length;
        if (n < COUNT) throw new Error(`listed ${n} of the ${COUNT} containers`);
        return seconds;
      },
    }),
};

export const apiIdleRss: Scenario = {
  name: 'api-idle-rss',
  summary: 'resident memory of the idle API service: berth system service vs dockerd + containerd',
  target: { text: 'berth <= 0.5 x docker', ratio: 0.5, against: ['docker'] },
  unit: 'kB',
  subjects: (ctx) =>
    apiSubjects(ctx, 'api-idle-rss', {
      async setup(engine, sock, image) {
        // Serve the usual first calls once (a run, lists, version), then let it settle.
        await cli(sock, ['run', '--rm', ...containerFlags(engine), image, 'true']);
        await get(sock, '/containers/json?all=1');
        await get(sock, '/images/json');
        await get(sock, '/version');
        await sleep(2000);
      },
      async run(_engine, _sock, _image, service) {
        if (service) return treeRssKb([service.child!.pid!]);
        return treeRssKb(await dockerDaemonPids());
      },
    }),
};

export const apiConcurrent: Scenario = {
  name: 'api-concurrent',
  summary: '200 GET /_ping and 200 GET /containers/json at once, every one answered 200',
  target: { text: 'berth <= 2 s', max: 2 },
  subjects: (ctx) =>
    apiSubjects(ctx, 'api-concurrent', {
      async setup(engine, _sock, image) {
        for (let i = 0; i < 10; i++) await exec(engine, ['create', ...containerFlags(engine), image, 'true'], 120_000);
      },
      async run(_engine, sock) {
        const calls = Array.from({ length: 400 }, (_, i) => get(sock, i % 2 ? '/containers/json?all=1' : '/_ping'));
        const settled = await Promise.allSettled(calls);
        const failed = settled.filter((s) => s.status === 'rejected');
        if (failed.length) throw new Error(`${failed.length} of 400 requests failed: ${String((failed[0] as PromiseRejectedResult).reason)}`);
      },
    }),
};

export const apiScenarios: Scenario[] = [apiRunRm, apiPs300, apiIdleRss, apiConcurrent];
