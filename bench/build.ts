// The build scenarios: `build` of one 10-step Dockerfile FROM the small busybox image, by
// berth, docker's legacy builder (DOCKER_BUILDKIT=0), docker's BuildKit where the CLI can
// reach it (a reference line), and podman (buildah):
//
// - build-cold:      every run with --no-cache (the base image stays in the store).
// - build-cached:    the same build again, every step a cache hit.
// - build-last-copy: before each run the file of the last COPY gets a new counter, so steps
//                    1-8 are cache hits and the last COPY and the RUN after it run again.
//
// Every run's output is checked for the number of cache hits the scenario implies (docker's
// " ---> Using cache", podman's "--> Using cache", BuildKit's and berth's "#N CACHED"), so a
// builder that reruns a step it could have reused (or reuses one it must not) fails the run
// instead of looking fast or slow for the wrong reason.
//
// The build contexts are written to bench/.cache/build/<scenario>/<line>/ (gitignored) at
// each scenario's set-up and left there for inspection. Tear-down removes the images each
// builder made: berth and podman lose every image labelled berth.bench (their stores are the
// harness's) and berth its build cache; docker loses every image labelled berth.bench (the
// built images carry berth.bench=build, the legacy builder's intermediate images inherit the
// base image's label), and the BuildKit line prunes exactly the build-cache records that
// appeared while it was measured, by ID, never others.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { BENCH_LABEL, type Engine, type EngineName } from './engines.js';
import { cacheRoot } from './images.js';
import type { BenchContext, Scenario, Subject, Target } from './scenarios/types.js';
import { check, log, onCleanup, run, truncate } from './util.js';

/** Where the build contexts live: bench/.cache/build/<scenario>/<line>/. */
const CONTEXT_ROOT = join(cacheRoot, 'build');
const BUILD_TIMEOUT = 5 * 60_000;

type Mode = 'cold' | 'cached' | 'last-copy';

/** How each builder reports a reused step, and how many a run of each scenario must show. */
interface CacheReport {
  /** Matches once per step served from the cache (global, multiline). */
  marker: RegExp;
  /** The numbers of hits a run may show (more than one where the builder varies). */
  hits: Record<Mode, readonly number[]>;
}

// The Dockerfile below has 10 instructions: FROM, then 9 that the legacy builder and podman
// each report as a step, every one a cache hit on a full rebuild (LABEL and ENV included).
// BuildKit shows no step for LABEL and ENV (metadata only) and leaves 7: WORKDIR, 3 x COPY,
// 3 x RUN; dockerd 20.10's BuildKit reuses the WORKDIR step even with --no-cache when an
// earlier build left it in the cache (so a cold run shows 0 or 1 hits), and never shows FROM
// as CACHED. berth shows the same 7 plus FROM, which it shows as CACHED always.
const LEGACY: CacheReport = { marker: /^ ---> Using cache$/gm, hits: { cold: [0], cached: [9], 'last-copy': [7] } };
const PODMAN: CacheReport = { marker: /^--> Using cache /gm, hits: { cold: [0], cached: [9], 'last-copy': [7] } };
const BUILDKIT: CacheReport = { marker: /^#\d+ CACHED$/gm, hits: { cold: [0, 1], cached: [7], 'last-copy': [5] } };
const BERTH: CacheReport = { marker: /^#\d+ CACHED$/gm, hits: { cold: [1], cached: [8], 'last-copy': [6] } };

/** One line of a build scenario: a builder with its argv, environment and output format. */
interface Builder {
  /** The subject's name in the table. */
  name: string;
  /** Set for the engines that take part in the target; the BuildKit line is a reference. */
  engine?: EngineName;
  /** The engine whose store the builder uses (for clean-up). */
  store: Engine;
  /** argv of `build ARGS...` (the engine's global flags included). */
  argv(args: string[]): string[];
  env?: NodeJS.ProcessEnv;
  /** Flags of every build, before -t, --no-cache and the context. */
  flags: string[];
  cache: CacheReport;
  /** Whether this line uses docker's BuildKit (its build cache is pruned by record ID). */
  buildkit?: boolean;
}

/** The image tag a line builds, distinct per scenario and line (docker's two lines share a store). */
function tagFor(scenario: string, line: string): string {
  return `localhost/bench/${scenario}-${line}:latest`;
}

/** A hard limit of this process from /proc/self/limits (undefined when unlimited or missing). */
function ownHardLimit(name: string): number | undefined {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  return hard && /^\d+$/.test(hard) ? Number(hard) : undefined;
}

/**
 * podman's RUN steps need explicit ulimits on these hosts, as its containers do (see
 * containers.ts): as root it asks runc for RLIMIT_NOFILE 1048576, above the hard limit.
 */
function podmanUlimits(): string[] {
  const nofile = Math.min(1048576, ownHardLimit('Max open files') ?? 1048576);
  return ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', 'nproc=32768:32768'];
}

// ---------------------------------------------------------------------------------------
// docker's BuildKit: through the buildx plugin where the CLI has one, otherwise through a
// CLI older than 23.0 (Debian's docker.io 20.10 client at /usr/bin/docker), which still
// speaks to dockerd's built-in BuildKit itself when DOCKER_BUILDKIT=1.

interface BuildkitCli {
  bin: string;
  how: string;
}

let buildkitFound: { cli: BuildkitCli | null; why: string } | undefined;

function clientVersion(bin: string): string | null {
  const r = spawnSync(bin, ['version', '--format', '{{.Client.Version}}'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The CLI that reaches BuildKit, found once per harness run (sync: scenarios list subjects synchronously). */
function findBuildkit(docker: Engine): { cli: BuildkitCli | null; why: string } {
  if (buildkitFound) return buildkitFound;
  const buildx = spawnSync(docker.bin, ['buildx', 'version'], { encoding: 'utf8', timeout: 20_000 });
  if (buildx.status === 0) {
    buildkitFound = { cli: { bin: docker.bin, how: `${docker.bin} with buildx ${buildx.stdout.trim()}` }, why: '' };
  } else {
    const candidates = [process.env.BENCH_DOCKER, '/usr/bin/docker', '/usr/local/bin/docker'].filter((x): x is string => !!x);
    let cli: BuildkitCli | null = null;
    for (const bin of new Set(candidates)) {
      const v = clientVersion(bin);
      const major = v ? Number(/^(\d+)\./.exec(v)?.[1]) : NaN;
      if (major < 23) {
        cli = { bin, how: `${bin} (client ${v}, built-in BuildKit support)` };
        break;
      }
    }
    buildkitFound = cli
      ? { cli, why: '' }
      : { cli: null, why: `\`${docker.bin} buildx version\` fails and no docker CLI older than 23.0 (built-in BuildKit) was found` };
  }
  log(buildkitFound.cli ? `build: docker BuildKit line: ${buildkitFound.cli.how}` : `build: no docker BuildKit line: ${buildkitFound.why}`);
  return buildkitFound;
}

/** The docker daemon's socket (DOCKER_HOST when it names a unix socket). */
function dockerSocket(): string {
  const host = process.env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

/** IDs of every BuildKit build-cache record dockerd holds (GET /system/df). */
function buildCacheIds(): Promise<Set<string>> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: dockerSocket(), path: '/system/df?type=build-cache', method: 'GET', timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          if (res.statusCode !== 200) throw new Error(`GET /system/df: HTTP ${res.statusCode}`);
          const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { BuildCache?: Array<{ ID: string }> | null };
          resolve(new Set((doc.BuildCache ?? []).map((r) => r.ID)));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('GET /system/df timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Prunes the build-cache records that are not in `before`, one ID at a time (dockerd takes one
 * value per prune filter), in passes: a record whose children are still there is only
 * removable once they are gone.
 */
async function pruneNewBuildCache(bin: string, before: ReadonlySet<string>): Promise<void> {
  for (let pass = 0; pass < 10; pass++) {
    const fresh = [...(await buildCacheIds())].filter((id) => !before.has(id));
    if (fresh.length === 0) return;
    for (const id of fresh) await run([bin, 'builder', 'prune', '-af', '--filter', `id=${id}`], { timeoutMs: 120_000 });
  }
  const left = [...(await buildCacheIds())].filter((id) => !before.has(id));
  if (left.length > 0) log(`build: ${left.length} BuildKit cache record(s) of the bench could not be pruned: ${left.slice(0, 5).join(' ')}`);
}

/**
 * Removes every docker image labelled berth.bench: the built ones, the legacy builder's
 * intermediate images (they inherit the base image's label), the base, the BuildKit line's
 * images. One `rmi -f` per image, in passes: removing an image also removes its untagged
 * parents, so an ID listed a moment ago may be gone (the engine's resetStore() fails on that
 * when it passes them all to one `rmi`).
 */
async function removeDockerBenchImages(docker: Engine): Promise<void> {
  const list = async (): Promise<string[]> => {
    const r = await check(docker.argv(['images', '-a', '-q', '--no-trunc', '--filter', `label=${BENCH_LABEL}`]), { timeoutMs: 120_000 });
    return [...new Set(r.stdout.split('\n').map((x) => x.trim()).filter(Boolean))];
  };
  for (let pass = 0; pass < 5; pass++) {
    const ids = await list();
    if (ids.length === 0) break;
    for (const id of ids) await run(docker.argv(['rmi', '-f', id]), { timeoutMs: 120_000 });
  }
  await check(docker.argv(['image', 'prune', '-af', '--filter', `label=${BENCH_LABEL}`]), { timeoutMs: 10 * 60_000 });
  const left = await list();
  if (left.length > 0) throw new Error(`${left.length} docker image(s) labelled ${BENCH_LABEL} could not be removed`);
}

// ---------------------------------------------------------------------------------------

function buildersFor(ctx: BenchContext): Builder[] {
  const out: Builder[] = [];
  for (const engine of ctx.engines) {
    if (engine.name === 'berth') {
      out.push({
        name: 'berth',
        engine: 'berth',
        store: engine,
        argv: (args) => engine.argv(['build', ...args]),
        flags: ['--network', 'none', '--progress', 'plain'],
        cache: BERTH,
      });
    } else if (engine.name === 'docker') {
      out.push({
        name: 'docker',
        engine: 'docker',
        store: engine,
        argv: (args) => engine.argv(['build', ...args]),
        env: { ...process.env, DOCKER_BUILDKIT: '0' },
        flags: ['--network', 'none'],
        cache: LEGACY,
      });
      const bk = findBuildkit(engine).cli;
      if (bk)
        out.push({
          name: 'docker-buildkit',
          store: engine,
          argv: (args) => [bk.bin, 'build', ...args],
          env: { ...process.env, DOCKER_BUILDKIT: '1' },
          flags: ['--network', 'none', '--progress', 'plain'],
          cache: BUILDKIT,
          buildkit: true,
        });
    } else {
      out.push({
        name: 'podman',
        engine: 'podman',
        store: engine,
        argv: (args) => engine.argv(['build', ...args]),
        flags: ['--network', 'none', ...podmanUlimits()],
        cache: PODMAN,
      });
    }
  }
  return out;
}

/**
 * The Dockerfile: 10 instructions, FROM the small busybox image. 3 RUN, 3 COPY (a file, a
 * directory of a few small files, and the file whose counter build-last-copy changes),
 * LABEL, ENV, WORKDIR. Every RUN is cheap, so the builders' own overhead is what is measured.
 */
function dockerfile(base: string): string {
  return [
    `FROM ${base}`,
    `LABEL ${BENCH_LABEL}=build ${BENCH_LABEL}.purpose="build benchmark"`,
    'ENV APP_HOME=/app APP_MODE=bench',
    'WORKDIR /app',
    'COPY config.txt ./',
    'RUN mkdir -p data && echo "berthbench $APP_MODE" > data/mode && cp config.txt data/config.copy',
    'COPY lib/ ./lib/',
    'RUN cat lib/*.txt | wc -c > data/lib.size && ls -l /app > data/listing',
    'COPY version.txt ./',
    'RUN sha256sum version.txt > data/version.sum && echo berthbench done',
    '',
  ].join('\n');
}

/** Deterministic small text files for the context. */
function libFile(i: number): string {
  const lines: string[] = [];
  for (let n = 0; n < 40 + 20 * i; n++) lines.push(`lib ${i} line ${n}: ${'abcdefghij'.repeat(1 + ((n * 7 + i) % 5))}`);
  return lines.join('\n') + '\n';
}

async function writeContext(dir: string, base: string, version: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'lib'), { recursive: true });
  await writeFile(join(dir, 'Dockerfile'), dockerfile(base));
  await writeFile(join(dir, 'config.txt'), 'mode = bench\nworkers = 4\nlog_level = info\n');
  for (let i = 1; i <= 5; i++) await writeFile(join(dir, 'lib', `part-${i}.txt`), libFile(i));
  await writeFile(join(dir, 'version.txt'), version);
}

/** The cache hits shown in a build's output. */
function countHits(out: string, cache: CacheReport): number {
  return [...out.matchAll(cache.marker)].length;
}

function buildSubject(ctx: BenchContext, scenario: string, mode: Mode, b: Builder, stamp: string): Subject {
  const dir = join(CONTEXT_ROOT, scenario, b.name);
  const tag = tagFor(scenario, b.name);
  let counter = 0;
  let cacheBefore: Set<string> | null = null;
  let pruned = false;
  const versionText = (): string => `build ${stamp} counter ${counter}\n`;
  const build = async (noCache: boolean, expectHits: readonly number[] | null): Promise<number> => {
    const r = await check(b.argv([...b.flags, '-t', tag, ...(noCache ? ['--no-cache'] : []), dir]), {
      env: b.env,
      timeoutMs: BUILD_TIMEOUT,
    });
    if (expectHits !== null) {
      const hits = countHits(`${r.stdout}\n${r.stderr}`, b.cache);
      if (!expectHits.includes(hits))
        throw new Error(
          `expected ${expectHits.join(' or ')} cache hit(s) in the output, saw ${hits}: ` +
            truncate((r.stdout + r.stderr).trim().split('\n').slice(-30).join(' | '), 1500),
        );
    }
    return r.seconds;
  };
  const pruneBuildkit = async (): Promise<void> => {
    if (!b.buildkit || !cacheBefore || pruned) return;
    pruned = true;
    await pruneNewBuildCache(b.argv([])[0], cacheBefore);
  };
  return {
    name: b.name,
    ...(b.engine ? { engine: b.engine } : {}),
    async setup() {
      await writeContext(dir, ctx.refs.small, versionText());
      if (b.buildkit) {
        cacheBefore = await buildCacheIds();
        // An interrupted run still prunes what this line added.
        onCleanup(pruneBuildkit);
      }
      // The base image in this builder's store, under the same name for every engine.
      await check(b.store.pullArgv(ctx.refs.small), { timeoutMs: 5 * 60_000 });
      await run(b.store.argv(['rmi', '-f', tag]), { timeoutMs: 120_000 });
      // The cached scenarios start from one complete build (not checked: it may hit the cache
      // of an earlier build of the same context, or not).
      if (mode !== 'cold') await build(false, null);
    },
    async before() {
      if (mode === 'cold') {
        // A new image every run: drop the last one (and, for docker's legacy builder, the
        // intermediate images under it), so no run pays for another's leftovers.
        await run(b.store.argv(['rmi', '-f', tag]), { timeoutMs: 120_000 });
      } else if (mode === 'last-copy') {
        counter++;
        await writeFile(join(dir, 'version.txt'), versionText());
      }
    },
    run: () => build(mode === 'cold', b.cache.hits[mode]),
    async teardown() {
      await run(b.store.argv(['rmi', '-f', tag]), { timeoutMs: 120_000 });
      if (b.buildkit) {
        await pruneBuildkit();
        return;
      }
      if (b.store.name === 'docker') {
        await removeDockerBenchImages(b.store);
        return;
      }
      await run(b.store.argv(['image', 'prune', '-af', '--filter', `label=${BENCH_LABEL}`]), { timeoutMs: 5 * 60_000 });
      if (b.store.name === 'berth') await run(b.store.argv(['builder', 'prune', '-af']), { timeoutMs: 5 * 60_000 });
    },
  };
}

/** A stamp for this harness run, in every version.txt, so no run's counter meets an older cache entry. */
const STAMP = new Date().toISOString();

function buildScenario(name: string, mode: Mode, summary: string, target: Target): Scenario {
  return {
    name,
    summary,
    target,
    subjects(ctx) {
      return buildersFor(ctx).map((b) => buildSubject(ctx, name, mode, b, STAMP));
    },
  };
}

export const buildCold = buildScenario(
  'build-cold',
  'cold',
  'build a 10-step Dockerfile (3 RUN, 3 COPY, LABEL, ENV, WORKDIR) with --no-cache',
  { text: 'berth <= 1 x docker', ratio: 1, against: ['docker'] },
);

export const buildCached = buildScenario(
  'build-cached',
  'cached',
  'the same build again, every step from the cache',
  { text: 'berth <= 0.3 x docker', ratio: 0.3, against: ['docker'] },
);

export const buildLastCopy = buildScenario(
  'build-last-copy',
  'last-copy',
  'the build after a change to the file of the last COPY (steps 2-8 cached, the last 2 rerun)',
  { text: 'berth <= 1 x docker', ratio: 1, against: ['docker'] },
);

export const buildScenarios: Scenario[] = [buildCold, buildCached, buildLastCopy];
