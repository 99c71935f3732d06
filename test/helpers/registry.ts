// Registries for tests, all on 127.0.0.1:
//
// - startRegistry(): the real thing, Debian's `docker-registry` (distribution 2.8), with
//   filesystem storage in a temp dir and optional htpasswd (bcrypt) basic auth.
// - pushLayout(): pushes an OCI layout from test/helpers/fixtures.ts into a registry with skopeo,
//   keeping digests, and checks the pushed digest.
// - startFaultyRegistry(): a small node:http server that implements the pull side of the
//   distribution API for fixture layouts, with faults injected per digest.
// - startTokenAuthRegistry(): the same server behind bearer-token auth with its own token
//   endpoint.
//
// No process is ever left behind: registries are killed by stop(), on process exit and on
// SIGINT/SIGTERM, and (through `setpriv --pdeathsig KILL`) by the kernel if this process dies
// without running any handler.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync, existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, link, copyFile, mkdir } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { blobPath, flipBytes, MEDIA_TYPES, readLayoutRef, REF_NAME_ANNOTATION, sha256, type Descriptor } from './fixtures.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const SKOPEO_BIN = 'skopeo';
export const HTPASSWD_BIN = 'htpasswd';
const SETPRIV_BIN = '/usr/bin/setpriv';

export interface Credentials {
  user: string;
  password: string;
}

// ---------------------------------------------------------------------------------------------
// Small process helpers

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command (argv, no shell) and resolves with its output; rejects with stderr on failure. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          const e = new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`, { cause: err });
          reject(e);
        } else resolve({ stdout, stderr });
      },
    );
  });
}

/** A free TCP port on 127.0.0.1 (bound then released; the caller retries if it races). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** GET a URL with node:http; resolves with status and headers (or rejects on connection error). */
function httpProbe(url: string, timeoutMs: number): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: kill everything we started when this process goes away

interface Live {
  child: ChildProcess;
  dir: string;
}
const live = new Map<number, Live>();
let hooksInstalled = false;

function killAllSync(): void {
  for (const [pid, l] of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    try {
      rmSync(l.dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAllSync();
      // If nobody else handles the signal, die of it as we would have without this handler.
      process.removeListener(sig, onSignal);
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

let setprivOk: boolean | undefined;
async function hasSetpriv(): Promise<boolean> {
  if (setprivOk === undefined) {
    setprivOk = existsSync(SETPRIV_BIN) && (await run(SETPRIV_BIN, ['--help']).then((r) => r.stdout.includes('--pdeathsig'), () => false));
  }
  return setprivOk;
}

/** Environment for the registry: no REGISTRY_* overrides leak in from the caller. */
function registryEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('REGISTRY_') && !k.startsWith('OTEL_')) env[k] = v;
  return env;
}

// ---------------------------------------------------------------------------------------------
// The real registry

export interface Registry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** "http://127.0.0.1:PORT" */
  url: string;
  port: number;
  /** Pid of the docker-registry process. */
  pid: number;
  /** Temp dir with config.yml, htpasswd, registry.log, pid and data/ (removed by stop()). */
  dir: string;
  auth?: Credentials;
  /** The registry's log (stdout and stderr). */
  logs(): Promise<string>;
  /** Kills the registry (SIGTERM, then SIGKILL after 2 s) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  auth?: Credentials;
  /** Seconds allowed for the registry to answer GET /v2/ (default 15). */
  startTimeoutSec?: number;
}

function yamlString(s: string): string {
  return JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar
}

/** Header that every response of one registry carries, so the readiness probe cannot mistake
 * another server that took the port in the meantime for ours. */
const INSTANCE_HEADER = 'X-Berth-Registry-Instance';

function registryConfig(dir: string, port: number, auth: boolean, instance: string): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${yamlString(join(dir, 'data'))}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${yamlString(`127.0.0.1:${port}`)}`,
    `  secret: ${yamlString(randomBytes(16).toString('hex'))}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
    `    ${INSTANCE_HEADER}: [${yamlString(instance)}]`,
  ];
  if (auth) {
    lines.push('auth:', '  htpasswd:', '    realm: berth-test', `    path: ${yamlString(join(dir, 'htpasswd'))}`);
  }
  return lines.join('\n') + '\n';
}

const REGISTRY_DIR_PREFIX = 'berth-registry-';

/** True when `pid` is a live (not zombie) process whose command line names `dir`. */
function registryAlive(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

/**
 * Removes temp dirs of registries whose process is gone (a test process killed with SIGKILL
 * gets its registry killed by the kernel, but nobody removes the dir). A dir without a pid
 * file is left alone unless it is older than 10 minutes (its registry may be starting).
 */
async function sweepStaleRegistryDirs(): Promise<void> {
  const base = tmpdir();
  const names = await readdir(base).catch(() => [] as string[]);
  for (const n of names) {
    if (!n.startsWith(REGISTRY_DIR_PREFIX)) continue;
    const d = join(base, n);
    const pidText = await readFile(join(d, 'pid'), 'utf8').catch(() => undefined);
    if (pidText === undefined) {
      const st = await stat(d).catch(() => undefined);
      if (!st || Date.now() - st.mtimeMs < 10 * 60_000) continue;
    } else if (registryAlive(Number(pidText), d)) continue;
    await rm(d, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Starts Debian's docker-registry on a free 127.0.0.1 port and waits until GET /v2/ answers. */
export async function startRegistry(opts: StartRegistryOptions = {}): Promise<Registry> {
  installHooks();
  await sweepStaleRegistryDirs();
  const dir = await mkdtemp(join(tmpdir(), REGISTRY_DIR_PREFIX));
  try {
    if (opts.auth) {
      // docker-registry accepts bcrypt entries only.
      const { stdout } = await run(HTPASSWD_BIN, ['-Bbn', opts.auth.user, opts.auth.password]);
      await writeFile(join(dir, 'htpasswd'), stdout.trim() + '\n', { mode: 0o600 });
    }
    const usePdeathsig = await hasSetpriv();
    let lastErr: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const cfg = join(dir, 'config.yml');
      const instance = randomBytes(8).toString('hex');
      await writeFile(cfg, registryConfig(dir, port, !!opts.auth, instance));
      const logPath = join(dir, 'registry.log');
      const fd = openSync(logPath, 'a');
      const argv = usePdeathsig
        ? { cmd: SETPRIV_BIN, args: ['--pdeathsig', 'KILL', REGISTRY_BIN, 'serve', cfg] }
        : { cmd: REGISTRY_BIN, args: ['serve', cfg] };
      let child: ChildProcess;
      try {
        child = spawn(argv.cmd, argv.args, { cwd: dir, env: registryEnv(), stdio: ['ignore', fd, fd] });
      } finally {
        closeSync(fd);
      }
      const pid = child.pid;
      if (pid === undefined) {
        const cause = await new Promise<unknown>((r) => child.once('error', r));
        throw new Error(`could not spawn ${argv.cmd}: ${String(cause)} (is docker-registry installed?)`, { cause });
      }
      live.set(pid, { child, dir });
      child.unref();
      const pidFile = join(dir, 'pid');
      await writeFile(pidFile, String(pid));
      let exited = false;
      const exitPromise = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        child.once('exit', () => {
          exited = true;
          resolve();
        });
      });
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + (opts.startTimeoutSec ?? 15) * 1000;
      let ready = false;
      while (!exited && Date.now() < deadline) {
        try {
          const { status, headers } = await httpProbe(`${url}/v2/`, 1000);
          if ((status === 200 || status === 401) && headers[INSTANCE_HEADER.toLowerCase()] === instance) {
            ready = true;
            break;
          }
        } catch {
          /* not listening yet */
        }
        await sleep(20);
      }
      if (!ready) {
        await rm(pidFile, { force: true });
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await exitPromise;
        live.delete(pid);
        const log = await readFile(logPath, 'utf8').catch(() => '');
        lastErr = new Error(`docker-registry did not start on ${url}:\n${log}`);
        if (/address already in use/i.test(log)) continue;
        throw lastErr;
      }
      let stopped: Promise<void> | undefined;
      const reg: Registry = {
        host: `127.0.0.1:${port}`,
        url,
        port,
        pid,
        dir,
        ...(opts.auth ? { auth: { ...opts.auth } } : {}),
        logs: () => readFile(logPath, 'utf8').catch(() => ''),
        stop: () => {
          stopped ??= (async () => {
            if (!exited) {
              try {
                process.kill(pid, 'SIGTERM');
              } catch {
                /* gone */
              }
              const timer = setTimeout(() => {
                try {
                  process.kill(pid, 'SIGKILL');
                } catch {
                  /* gone */
                }
              }, 2000);
              await exitPromise;
              clearTimeout(timer);
            }
            live.delete(pid);
            await rm(dir, { recursive: true, force: true });
          })();
          return stopped;
        },
      };
      return reg;
    }
    throw lastErr ?? new Error('docker-registry did not start');
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Pushing layouts with skopeo

export interface PushOptions {
  /** Credentials; defaults to the registry's own `auth` when it has one. Pass null to push anonymously. */
  creds?: Credentials | null;
  /** Tag inside the layout (default "latest"). */
  layoutTag?: string;
  /** Copy every image of an index (default: true when the layout's tag points at an index). */
  all?: boolean;
  /** Check the pushed digest with `skopeo inspect --raw` (default true). */
  verify?: boolean;
}

export interface PushResult {
  /** "HOST/REPO:TAG" */
  ref: string;
  /** Digest of the manifest or index the tag points to, equal to the layout's. */
  digest: string;
  mediaType: string;
}

function credsArgs(flag: string, creds: Credentials | null | undefined): string[] {
  return creds ? [flag, `${creds.user}:${creds.password}`] : [];
}

function splitRepoTag(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

const DOCKER_MANIFEST_TYPES = new Set<string>([MEDIA_TYPES.dockerManifest, MEDIA_TYPES.dockerManifestList]);

/**
 * skopeo 1.9's `oci:` transport skips index.json entries whose media type is not OCI, so a
 * Docker schema2 image in a layout is copied through a `dir:` transport directory instead
 * (version file, manifest.json, blobs named by hex digest), hardlinked from the layout.
 */
async function layoutToDirTransport(layoutDir: string, desc: Descriptor, into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  const manifestBytes = await readFile(blobPath(layoutDir, desc.digest));
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as { config: Descriptor; layers: Descriptor[] };
  await writeFile(join(into, 'version'), 'Directory Transport Version: 1.1\n');
  await writeFile(join(into, 'manifest.json'), manifestBytes);
  for (const d of [manifest.config, ...manifest.layers]) {
    const src = blobPath(layoutDir, d.digest);
    const dst = join(into, d.digest.slice('sha256:'.length));
    if (existsSync(dst)) continue;
    await link(src, dst).catch(() => copyFile(src, dst));
  }
}

/**
 * Pushes an OCI layout (as written by fixtures.ts) to `registry` as `ref` ("repo" or
 * "repo:tag"), keeping every digest (`--preserve-digests`), then checks with
 * `skopeo inspect --raw` that the tag resolves to the layout's digest.
 */
export async function pushLayout(
  layoutDir: string,
  ref: string,
  registry: { host: string; auth?: Credentials },
  opts: PushOptions = {},
): Promise<PushResult> {
  const layoutTag = opts.layoutTag ?? 'latest';
  const desc = await readLayoutRef(layoutDir, layoutTag);
  const { repo, tag } = splitRepoTag(ref);
  const dest = `${registry.host}/${repo}:${tag}`;
  const creds = opts.creds === undefined ? registry.auth : opts.creds;
  const isIndex = desc.mediaType === MEDIA_TYPES.ociIndex || desc.mediaType === MEDIA_TYPES.dockerManifestList;
  const all = opts.all ?? isIndex;
  const work = await mkdtemp(join(tmpdir(), 'berth-push-'));
  try {
    let src = `oci:${layoutDir}:${layoutTag}`;
    if (DOCKER_MANIFEST_TYPES.has(desc.mediaType)) {
      if (desc.mediaType !== MEDIA_TYPES.dockerManifest) throw new Error('pushLayout: Docker manifest lists are not supported');
      await layoutToDirTransport(layoutDir, desc, join(work, 'dir'));
      src = `dir:${join(work, 'dir')}`;
    }
    const authfile = join(work, 'auth.json'); // never created: keeps the caller's auth.json out of it
    const args = [
      '--insecure-policy',
      'copy',
      '--quiet',
      '--preserve-digests',
      '--dest-tls-verify=false',
      '--dest-authfile',
      authfile,
      ...credsArgs('--dest-creds', creds),
      ...(all ? ['--all'] : []),
      src,
      `docker://${dest}`,
    ];
    await run(SKOPEO_BIN, args);
    if (opts.verify ?? true) {
      const raw = await inspectRaw(dest, { creds, authfile });
      const got = sha256(raw);
      if (got !== desc.digest) throw new Error(`pushLayout: ${dest} resolves to ${got}, layout has ${desc.digest}`);
    }
    return { ref: dest, digest: desc.digest, mediaType: desc.mediaType };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `skopeo inspect --raw` of "HOST/REPO:TAG" (plain HTTP allowed): the manifest bytes as served. */
export async function inspectRaw(ref: string, opts: { creds?: Credentials | null; authfile?: string } = {}): Promise<Buffer> {
  const args = [
    'inspect',
    '--raw',
    '--tls-verify=false',
    ...(opts.authfile ? ['--authfile', opts.authfile] : []),
    ...credsArgs('--creds', opts.creds),
    `docker://${ref}`,
  ];
  return new Promise((resolve, reject) => {
    execFile(SKOPEO_BIN, args, { encoding: 'buffer', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`skopeo ${args.join(' ')} failed: ${err.message}\n${stderr.toString()}`, { cause: err }));
      else resolve(stdout);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The faulty registry (pull side of the distribution API, in-process)

/**
 * - corrupt: the body has bytes flipped (same length, so only the digest check catches it)
 * - truncate: full Content-Length, half the body, then the connection is closed (every time)
 * - status500: 500 with a distribution error body (GET and HEAD)
 * - dropOnce: like truncate the first time; later requests are served in full, honouring
 *   `Range: bytes=N-` with 206 so a resuming client completes
 * - slow: the body in small chunks with delays (see FaultyRegistryOptions.slow)
 */
export type Fault = 'corrupt' | 'truncate' | 'status500' | 'dropOnce' | 'slow';

export interface RequestRecord {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Status sent (set once the head is written). */
  status?: number;
}

export interface FaultyRegistryOptions {
  /** Repository name -> OCI layout dir. Tags come from the ref.name annotations of index.json. */
  repos: Record<string, string>;
  /** Digest (blob or manifest) -> fault. Can be changed later with setFault(). */
  faults?: Record<string, Fault>;
  /** For 'slow': bytes per chunk (default 16 KiB) and delay between chunks (default 50 ms). */
  slow?: { chunkSize?: number; delayMs?: number };
  /** Basic auth, or bearer tokens issued by the server's own /token endpoint. */
  auth?: { scheme: 'basic' | 'bearer'; user: string; password: string; service?: string };
}

export interface FaultyRegistry {
  host: string;
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: RequestRecord[];
  setFault(digest: string, fault: Fault | null): void;
  /** Number of GET requests that asked for this digest (by digest, or by a tag resolving to it). */
  hits(digest: string): number;
  stop(): Promise<void>;
}

interface RepoContent {
  dir: string;
  tags: Map<string, Descriptor>;
}

async function loadRepo(dir: string): Promise<RepoContent> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const tags = new Map<string, Descriptor>();
  for (const d of index.manifests) {
    const tag = d.annotations?.[REF_NAME_ANNOTATION];
    if (tag) tags.set(tag, d);
  }
  if (tags.size === 0 && index.manifests.length === 1) tags.set('latest', index.manifests[0]);
  return { dir, tags };
}

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
const ROUTE_RE = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/;

function distError(res: ServerResponse, status: number, code: string, message: string, detail?: unknown): void {
  const body = JSON.stringify({ errors: [{ code, message, ...(detail !== undefined ? { detail } : {}) }] });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function parseRange(h: string | undefined, total: number): { start: number; end: number } | 'invalid' | undefined {
  if (!h) return undefined;
  const m = /^bytes=(\d+)-(\d*)$/.exec(h.trim());
  if (!m) return 'invalid';
  const start = Number(m[1]);
  const end = m[2] === '' ? total - 1 : Math.min(Number(m[2]), total - 1);
  if (start >= total || end < start) return 'invalid';
  return { start, end };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function basicCreds(h: string | undefined): Credentials | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(h ?? '');
  if (!m) return undefined;
  const s = Buffer.from(m[1], 'base64').toString('utf8');
  const i = s.indexOf(':');
  return i < 0 ? undefined : { user: s.slice(0, i), password: s.slice(i + 1) };
}

/**
 * Starts an in-process registry serving `repos` (pull only: GET/HEAD /v2/, manifests by tag or
 * digest, blobs), with faults injected per digest.
 */
export async function startFaultyRegistry(opts: FaultyRegistryOptions): Promise<FaultyRegistry> {
  const repos = new Map<string, RepoContent>();
  for (const [name, dir] of Object.entries(opts.repos)) repos.set(name, await loadRepo(dir));
  const faults = new Map<string, Fault>(Object.entries(opts.faults ?? {}));
  const dropped = new Set<string>();
  const hitCount = new Map<string, number>();
  const requests: RequestRecord[] = [];
  const chunkSize = opts.slow?.chunkSize ?? 16 * 1024;
  const delayMs = opts.slow?.delayMs ?? 50;
  const tokens = new Map<string, Set<string>>(); // token -> repositories it may pull
  const auth = opts.auth;
  const service = auth?.service ?? 'test';
  let port = 0;

  const unauthorized = (res: ServerResponse, repo: string | undefined) => {
    if (auth?.scheme === 'bearer') {
      const scope = repo ? `,scope="repository:${repo}:pull"` : '';
      res.setHeader('WWW-Authenticate', `Bearer realm="http://127.0.0.1:${port}/token",service="${service}"${scope}`);
    } else {
      res.setHeader('WWW-Authenticate', 'Basic realm="berth-test"');
    }
    distError(res, 401, 'UNAUTHORIZED', 'authentication required', repo ? [{ Type: 'repository', Name: repo, Action: 'pull' }] : undefined);
  };

  const authorized = (req: IncomingMessage, repo: string | undefined): boolean => {
    if (!auth) return true;
    const h = req.headers.authorization;
    if (auth.scheme === 'basic') {
      const c = basicCreds(h);
      return !!c && safeEqual(c.user, auth.user) && safeEqual(c.password, auth.password);
    }
    const m = /^Bearer\s+(\S+)$/i.exec(h ?? '');
    const allowed = m ? tokens.get(m[1]) : undefined;
    if (!allowed) return false;
    return repo === undefined || allowed.has(repo) || allowed.has('*');
  };

  const handleToken = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const c = basicCreds(req.headers.authorization);
    if (!auth || !c || !safeEqual(c.user, auth.user) || !safeEqual(c.password, auth.password)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="berth-test-token"');
      distError(res, 401, 'UNAUTHORIZED', 'invalid credentials');
      return;
    }
    const repos = new Set<string>();
    for (const scope of url.searchParams.getAll('scope')) {
      for (const s of scope.split(' ')) {
        const m = /^repository:(.+):([a-z,*]+)$/.exec(s);
        if (m && (m[2].split(',').includes('pull') || m[2] === '*')) repos.add(m[1]);
      }
    }
    if (repos.size === 0) repos.add('*'); // a token for /v2/ itself
    const token = randomBytes(24).toString('hex');
    tokens.set(token, repos);
    const body = JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };

  const sendBody = async (req: IncomingMessage, res: ServerResponse, data: Buffer, digest: string, headers: Record<string, string | number>) => {
    const fault = faults.get(digest);
    if (req.method === 'GET') hitCount.set(digest, (hitCount.get(digest) ?? 0) + 1);
    if (fault === 'status500') {
      distError(res, 500, 'UNKNOWN', 'injected fault: status500', { digest });
      return;
    }
    const total = data.length;
    const range = fault === 'corrupt' ? undefined : parseRange(req.headers.range, total);
    if (range === 'invalid') {
      res.writeHead(416, { 'Content-Range': `bytes */${total}` });
      res.end();
      return;
    }
    let body = data;
    let status = 200;
    const h: Record<string, string | number> = { ...headers, 'Accept-Ranges': 'bytes' };
    if (range) {
      body = data.subarray(range.start, range.end + 1);
      status = 206;
      h['Content-Range'] = `bytes ${range.start}-${range.end}/${total}`;
    }
    h['Content-Length'] = body.length;
    res.writeHead(status, h);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (fault === 'corrupt') {
      res.end(flipBytes(body));
      return;
    }
    const drop = fault === 'truncate' || (fault === 'dropOnce' && !dropped.has(digest));
    if (drop) {
      dropped.add(digest);
      const half = body.subarray(0, Math.max(1, body.length >> 1));
      res.write(half, () => {
        // Close the connection with the body incomplete: FIN after the half that was sent.
        res.socket?.end();
        setTimeout(() => res.socket?.destroy(), 1000).unref();
      });
      return;
    }
    if (fault === 'slow') {
      for (let off = 0; off < body.length; off += chunkSize) {
        if (res.destroyed || res.writableEnded) return;
        const ok = res.write(body.subarray(off, off + chunkSize));
        if (!ok) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
        }
        await sleep(delayMs);
      }
      if (!res.destroyed) res.end();
      return;
    }
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const record: RequestRecord = { method: req.method ?? '', path: req.url ?? '', headers: req.headers };
    requests.push(record);
    const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
    res.writeHead = ((...a: unknown[]) => {
      record.status = a[0] as number;
      return writeHead(...a);
    }) as typeof res.writeHead;
    res.setHeader('Docker-Distribution-Api-Version', 'registry/2.0');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');

    if (url.pathname === '/token' && auth?.scheme === 'bearer') return handleToken(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return distError(res, 405, 'UNSUPPORTED', 'this registry is pull-only');
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      if (!authorized(req, undefined)) return unauthorized(res, undefined);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2 });
      return res.end(req.method === 'HEAD' ? undefined : '{}');
    }
    const m = ROUTE_RE.exec(url.pathname);
    if (!m) return distError(res, 404, 'NOT_FOUND', 'not found');
    const [, name, kind, reference] = m;
    if (!authorized(req, name)) return unauthorized(res, name);
    const repo = repos.get(name);
    if (!repo) return distError(res, 404, 'NAME_UNKNOWN', 'repository name not known to registry', { name });

    if (kind === 'manifests') {
      let digest: string;
      if (DIGEST_RE.test(reference)) digest = reference;
      else {
        const d = repo.tags.get(reference);
        if (!d) return distError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown', { tag: reference });
        digest = d.digest;
      }
      const data = await readFile(blobPath(repo.dir, digest)).catch(() => undefined);
      let mediaType: string | undefined;
      try {
        mediaType = data ? (JSON.parse(data.toString('utf8')) as { mediaType?: string }).mediaType : undefined;
      } catch {
        mediaType = undefined;
      }
      if (!data || !mediaType) return distError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown', { digest });
      return sendBody(req, res, data, digest, { 'Content-Type': mediaType, 'Docker-Content-Digest': digest });
    }

    if (!DIGEST_RE.test(reference)) return distError(res, 400, 'DIGEST_INVALID', 'invalid digest', { digest: reference });
    const p = blobPath(repo.dir, reference);
    if (req.method === 'HEAD' && faults.get(reference) !== 'status500') {
      const st = await stat(p).catch(() => undefined);
      if (!st) return distError(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry', { digest: reference });
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': st.size,
        'Docker-Content-Digest': reference,
        'Accept-Ranges': 'bytes',
      });
      return res.end();
    }
    const data = await readFile(p).catch(() => undefined);
    if (!data) return distError(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry', { digest: reference });
    return sendBody(req, res, data, reference, { 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': reference });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) distError(res, 500, 'UNKNOWN', String(err));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setFault(digest, fault) {
      if (fault) faults.set(digest, fault);
      else faults.delete(digest);
      dropped.delete(digest);
    },
    hits: (digest) => hitCount.get(digest) ?? 0,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

/**
 * A registry behind bearer-token auth: 401 with
 * `WWW-Authenticate: Bearer realm="http://127.0.0.1:P/token",service="test",scope="repository:NAME:pull"`,
 * and a /token endpoint that checks basic auth and answers {token, access_token}.
 *
 * This is a fake (the in-process faulty registry with no faults by default) because Debian's
 * docker-registry build can only check bearer tokens issued by a separate token server, which
 * Debian does not ship; its own auth is htpasswd (basic) only.
 */
export function startTokenAuthRegistry(opts: {
  repos: Record<string, string>;
  user: string;
  password: string;
  service?: string;
  faults?: Record<string, Fault>;
}): Promise<FaultyRegistry> {
  return startFaultyRegistry({
    repos: opts.repos,
    ...(opts.faults ? { faults: opts.faults } : {}),
    auth: { scheme: 'bearer', user: opts.user, password: opts.password, ...(opts.service ? { service: opts.service } : {}) },
  });
}

/** Lists the blobs of a layout (digests), e.g. to pick one to fault. */
export async function layoutBlobs(layoutDir: string): Promise<string[]> {
  return (await readdir(join(layoutDir, 'blobs', 'sha256'))).map((h) => `sha256:${h}`).sort();
}
