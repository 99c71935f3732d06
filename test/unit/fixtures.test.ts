// Tests of the test harness itself: the OCI fixtures and the registries.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { decompress as zstdDecompress } from 'zstd-napi';
import { getAttributeSync } from '@napi-rs/xattr';
import {
  blobPath,
  buildFixtures,
  MEDIA_TYPES,
  sha256,
  type Descriptor,
  type ExpectedFile,
  type Fixture,
  type Fixtures,
} from '../helpers/fixtures.js';
import {
  inspectRaw,
  pushLayout,
  startFaultyRegistry,
  startRegistry,
  startTokenAuthRegistry,
} from '../helpers/registry.js';

let root: string;
let fx: Fixtures;
let buildMs = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-fixtures-test-'));
  const t0 = performance.now();
  fx = await buildFixtures(join(root, 'fx'));
  buildMs = performance.now() - t0;
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// helpers

function execBuf(cmd: string, args: string[]): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr.toString()}`));
      else resolve({ stdout, stderr: stderr.toString() });
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An orphan that init has not reaped yet still answers kill(0): count zombies as dead.
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return st.slice(st.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitDead(pid: number, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !isAlive(pid);
}

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** false when the connection closed before the whole body arrived */
  complete: boolean;
}

/** A GET/HEAD with node:http that reports incomplete bodies instead of throwing. */
function rawRequest(url: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => {
        /* aborted: reported through complete */
      });
      res.on('close', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function decompressLayer(mediaType: string, blob: Buffer): Buffer {
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.tar.gzip')) return gunzipSync(blob);
  if (mediaType.endsWith('+zstd') || mediaType.endsWith('.tar.zstd')) return zstdDecompress(blob);
  return blob;
}

async function readJson<T>(p: string): Promise<T> {
  return JSON.parse(await readFile(p, 'utf8')) as T;
}

interface Manifest {
  schemaVersion: number;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** Checks one image manifest of a layout: blobs present, sizes and digests, diff_ids. */
async function checkImage(dir: string, desc: Descriptor): Promise<void> {
  const mbytes = await readFile(blobPath(dir, desc.digest));
  assert.equal(mbytes.length, desc.size, 'manifest size');
  const m = JSON.parse(mbytes.toString('utf8')) as Manifest;
  assert.equal(m.schemaVersion, 2);
  assert.equal(m.mediaType, desc.mediaType);
  const cbytes = await readFile(blobPath(dir, m.config.digest));
  assert.equal(cbytes.length, m.config.size);
  const config = JSON.parse(cbytes.toString('utf8')) as { rootfs: { type: string; diff_ids: string[] }; os: string; architecture: string };
  assert.equal(config.rootfs.type, 'layers');
  assert.equal(config.rootfs.diff_ids.length, m.layers.length);
  for (const [i, l] of m.layers.entries()) {
    const blob = await readFile(blobPath(dir, l.digest));
    assert.equal(blob.length, l.size, `layer ${i} size`);
    assert.equal(sha256(decompressLayer(l.mediaType, blob)), config.rootfs.diff_ids[i], `layer ${i} diff_id`);
  }
}

// ---------------------------------------------------------------------------------------------
// fixtures

describe('fixtures', () => {
  test('build fast and deterministically', async (t) => {
    t.diagnostic(`buildFixtures: ${Math.round(buildMs)} ms`);
    assert.ok(buildMs < 5000, `buildFixtures took ${buildMs} ms`);
    const again = await buildFixtures(join(root, 'fx-again'));
    for (const name of Object.keys(fx.all)) {
      assert.equal(again.all[name].digest, fx.all[name].digest, `${name} digest stable`);
      assert.equal(again.all[name].configDigest, fx.all[name].configDigest);
    }
    await rm(join(root, 'fx-again'), { recursive: true, force: true });
  });

  test('every blob is stored under its own digest, every layout is complete', async () => {
    const layouts: Fixture[] = [...Object.values(fx.all), ...Object.values(fx.hostile)];
    for (const f of layouts) {
      assert.deepEqual(await readJson(join(f.dir, 'oci-layout')), { imageLayoutVersion: '1.0.0' });
      for (const hex of await readdir(join(f.dir, 'blobs', 'sha256'))) {
        const data = await readFile(join(f.dir, 'blobs', 'sha256', hex));
        assert.equal(sha256(data), `sha256:${hex}`, `${f.name}: blob ${hex}`);
      }
      const index = await readJson<{ schemaVersion: number; manifests: Descriptor[] }>(join(f.dir, 'index.json'));
      assert.equal(index.schemaVersion, 2);
      assert.equal(index.manifests.length, 1);
      const top = index.manifests[0];
      assert.equal(top.digest, f.digest);
      assert.equal(top.annotations?.['org.opencontainers.image.ref.name'], 'latest');
      if (top.mediaType === MEDIA_TYPES.ociIndex) {
        const inner = await readJson<{ manifests: Descriptor[] }>(blobPath(f.dir, top.digest));
        for (const d of inner.manifests) await checkImage(f.dir, d);
      } else {
        await checkImage(f.dir, top);
      }
      assert.equal(f.manifestDigest, f.images[0].manifestDigest);
      assert.deepEqual(f.diffIds, f.layers.map((l) => l.diffId));
    }
  });

  test('media types and configs are as promised', async () => {
    assert.deepEqual(fx.single.layers.map((l) => l.mediaType), [MEDIA_TYPES.ociLayerGzip]);
    assert.deepEqual(fx.multi.layers.map((l) => l.mediaType), [MEDIA_TYPES.ociLayerGzip, MEDIA_TYPES.ociLayerGzip, MEDIA_TYPES.ociLayer]);
    assert.deepEqual(fx.zstd.layers.map((l) => l.mediaType), [MEDIA_TYPES.ociLayerZstd]);
    assert.equal(fx.docker.mediaType, MEDIA_TYPES.dockerManifest);
    assert.equal(fx.docker.images[0].configMediaType, MEDIA_TYPES.dockerConfig);
    assert.deepEqual(fx.docker.layers.map((l) => l.mediaType), [MEDIA_TYPES.dockerLayerGzip]);
    assert.equal(fx.multiarch.mediaType, MEDIA_TYPES.ociIndex);
    const history = fx.multi.images[0].config.history as Array<{ empty_layer?: boolean }>;
    assert.equal(history.length, 4);
    assert.equal(history.filter((h) => h.empty_layer).length, 1);

    const rc = fx.rich.images[0].config as { config: Record<string, unknown>; created: string };
    assert.equal(rc.created, '2024-02-03T04:05:06Z');
    assert.equal(rc.config.User, '1000:1000');
    assert.equal(rc.config.WorkingDir, '/work');
    assert.deepEqual(rc.config.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
    assert.deepEqual(rc.config.Volumes, { '/data': {} });
    assert.deepEqual(rc.config.Labels, { 'org.example.a': '1', maintainer: 'berth' });
    assert.deepEqual((rc.config.Healthcheck as { Test: string[] }).Test, ['CMD', 'true']);
    assert.equal((rc.config.Healthcheck as { Interval: number }).Interval, 30e9);

    const amd = fx.multiarch.platforms['linux/amd64'];
    const arm = fx.multiarch.platforms['linux/arm64'];
    assert.equal(amd.config.architecture, 'amd64');
    assert.equal(arm.config.architecture, 'arm64');
    assert.notEqual(amd.configDigest, arm.configDigest);
    assert.equal(amd.layers[0].digest, arm.layers[0].digest, 'busybox layer shared');
    assert.equal(amd.files.find((f) => f.path === '/etc/arch')?.content, 'amd64\n');
    assert.equal(arm.files.find((f) => f.path === '/etc/arch')?.content, 'arm64\n');

    const bomb = fx.hostile.bomb;
    assert.ok(bomb.layers[0].size < 1024 * 1024, 'bomb is small compressed');
    assert.ok(bomb.layers[0].tarSize > 64 * 1024 * 1024, 'bomb is big uncompressed');
    const dev = fx.hostile.device.entries.find((e) => e.type === 'character-device');
    assert.deepEqual([dev?.devmajor, dev?.devminor], [8, 0]);
    assert.ok(fx.hostile.traversal.entries.some((e) => e.path === '../../escape'));
    assert.ok(fx.hostile.absolute.entries.some((e) => e.path.startsWith('/')));
    assert.deepEqual(await readdir(fx.hostileTarget), []);
  });

  test('expected trees model whiteouts, links, owners and xattrs', () => {
    const byPath = new Map(fx.multi.files.map((f) => [f.path, f]));
    for (const p of fx.multi.absent) assert.ok(!byPath.has(p), `${p} absent`);
    assert.equal(byPath.get('/opt/old/new.txt')?.content, 'layer 2\n');
    assert.equal(byPath.get('/data/hardlink')?.hardlinkOf, '/data/file.txt');
    assert.equal(byPath.get('/data/symlink')?.linkname, 'file.txt');
    assert.deepEqual(
      [byPath.get('/data/private')?.mode, byPath.get('/data/private')?.uid, byPath.get('/data/private')?.gid],
      [0o640, 1000, 1000],
    );
    assert.deepEqual(byPath.get('/data/xattr.txt')?.xattrs, { 'user.test': 'hello' });
    assert.equal(byPath.get('/layer3.txt')?.content, 'layer 3\n');
    const single = new Map(fx.single.files.map((f) => [f.path, f]));
    assert.equal(single.get('/bin/busybox')?.sha256, fx.busybox.sha256);
    assert.equal(single.get('/bin/busybox')?.mode, 0o755);
    for (const a of ['sh', 'ls', 'cat', 'echo', 'true']) assert.equal(single.get(`/bin/${a}`)?.linkname, 'busybox');
    assert.equal(single.get('/tmp')?.mode, 0o1777);
    assert.match(single.get('/etc/passwd')?.content ?? '', /^nobody:x:65534:65534:/m);
  });

  test('skopeo reads the OCI fixtures with the same digests', async () => {
    for (const f of Object.values(fx.all)) {
      if (f.mediaType === MEDIA_TYPES.dockerManifest) continue; // skopeo's oci: transport skips non-OCI descriptors
      const raw = await execBuf('skopeo', ['inspect', '--raw', f.ociRef]);
      assert.equal(sha256(raw.stdout), f.digest, `${f.name} manifest`);
      if (f.mediaType === MEDIA_TYPES.ociManifest) {
        const cfg = await execBuf('skopeo', ['inspect', '--config', '--raw', f.ociRef]);
        assert.equal(sha256(cfg.stdout), f.configDigest, `${f.name} config`);
      }
    }
  });

  test('umoci unpacks to exactly the expected trees', async () => {
    for (const f of [fx.single, fx.multi, fx.rich]) {
      const bundle = join(root, `bundle-${f.name}`);
      await execBuf('umoci', ['unpack', '--image', `${f.dir}:latest`, bundle]);
      await compareTree(join(bundle, 'rootfs'), f.files);
      for (const p of f.absent) assert.ok(!existsSync(join(bundle, 'rootfs', p)), `${f.name}: ${p} absent`);
      await rm(bundle, { recursive: true, force: true });
    }
  });
});

async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(join(dir, rel))) {
    const p = `${rel}/${name}`;
    out.push(p);
    const st = await lstat(join(dir, p));
    if (st.isDirectory()) out.push(...(await walk(dir, p)));
  }
  return out;
}

async function compareTree(rootfs: string, files: ExpectedFile[]): Promise<void> {
  assert.deepEqual((await walk(rootfs)).sort(), files.map((f) => f.path).sort(), 'same paths');
  for (const f of files) {
    const p = join(rootfs, f.path);
    const st = await lstat(p);
    assert.equal(st.mode & 0o7777, f.mode, `${f.path} mode`);
    assert.equal(st.uid, f.uid, `${f.path} uid`);
    assert.equal(st.gid, f.gid, `${f.path} gid`);
    if (f.type === 'file') {
      assert.ok(st.isFile(), `${f.path} is a file`);
      assert.equal(sha256(await readFile(p)), f.sha256, `${f.path} content`);
    }
    if (f.type === 'directory') assert.ok(st.isDirectory(), `${f.path} is a dir`);
    if (f.type === 'symlink') assert.equal(await readlink(p), f.linkname);
    if (f.hardlinkOf) assert.equal(st.ino, (await stat(join(rootfs, f.hardlinkOf))).ino, `${f.path} hardlink`);
    for (const [k, v] of Object.entries(f.xattrs ?? {})) assert.equal(getAttributeSync(p, k)?.toString(), v);
  }
}

// ---------------------------------------------------------------------------------------------
// docker-registry

describe('docker-registry', () => {
  test('starts, takes every fixture with its digest, stops without leftovers', async () => {
    const reg = await startRegistry();
    let stopped = false;
    try {
      assert.match(reg.host, /^127\.0\.0\.1:\d+$/);
      assert.ok(isAlive(reg.pid));
      const v2 = await fetch(`${reg.url}/v2/`);
      assert.equal(v2.status, 200);
      for (const f of Object.values(fx.all)) {
        const r = await pushLayout(f.dir, `test/${f.name}:v1`, reg);
        assert.equal(r.digest, f.digest, f.name);
        const raw = await inspectRaw(`${reg.host}/test/${f.name}:v1`);
        assert.equal(sha256(raw), f.digest);
      }
      // the arm64 image of the index is there by digest
      const arm = fx.multiarch.platforms['linux/arm64'];
      const armRaw = await inspectRaw(`${reg.host}/test/multiarch@${arm.manifestDigest}`);
      assert.equal(sha256(armRaw), arm.manifestDigest);
      // a blob served by the real registry is the fixture's blob
      const layer = fx.multi.layers[2];
      const blob = Buffer.from(await (await fetch(`${reg.url}/v2/test/multi/blobs/${layer.digest}`)).arrayBuffer());
      assert.equal(sha256(blob), layer.digest);
      await reg.stop();
      stopped = true;
      assert.ok(!isAlive(reg.pid), 'registry process gone');
      assert.throws(() => process.kill(reg.pid, 0));
      assert.ok(!existsSync(reg.dir), 'temp dir removed');
      await reg.stop(); // idempotent
    } finally {
      if (!stopped) await reg.stop();
    }
  });

  test('htpasswd auth: 401 without credentials, push and pull with them', async () => {
    const reg = await startRegistry({ auth: { user: 'alice', password: 's3cret pass' } });
    try {
      const v2 = await fetch(`${reg.url}/v2/`);
      assert.equal(v2.status, 401);
      assert.match(v2.headers.get('www-authenticate') ?? '', /^Basic /);
      await assert.rejects(pushLayout(fx.single.dir, 'private/single', reg, { creds: null }));
      const r = await pushLayout(fx.single.dir, 'private/single', reg);
      assert.equal(r.digest, fx.single.digest);
      await assert.rejects(inspectRaw(`${reg.host}/private/single:latest`, { creds: { user: 'alice', password: 'wrong' } }));
      const ok = await fetch(`${reg.url}/v2/private/single/manifests/latest`, {
        headers: {
          authorization: `Basic ${Buffer.from('alice:s3cret pass').toString('base64')}`,
          accept: MEDIA_TYPES.ociManifest,
        },
      });
      assert.equal(ok.status, 200);
      assert.equal(sha256(Buffer.from(await ok.arrayBuffer())), fx.single.digest);
    } finally {
      await reg.stop();
    }
    assert.ok(!isAlive(reg.pid));
  });

  test('registries die with the process that started them', async () => {
    const helper = fileURLToPath(new URL('../helpers/registry.js', import.meta.url));
    const script = [
      `const { startRegistry } = await import(${JSON.stringify(helper)});`,
      'const r = await startRegistry();',
      'process.stdout.write(`${r.pid} ${r.dir}\\n`);',
      'process.stdin.on("data", () => process.exit(0));',
    ].join('\n');
    for (const how of ['exit', 'SIGKILL', 'SIGTERM'] as const) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
      const [pid, dir] = await new Promise<[number, string]>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const line = out.split('\n')[0];
          if (out.includes('\n')) resolve([Number(line.slice(0, line.indexOf(' '))), line.slice(line.indexOf(' ') + 1)]);
        });
        child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
      });
      assert.ok(isAlive(pid), `${how}: registry running`);
      if (how === 'exit') child.stdin.write('exit\n');
      else child.kill(how);
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
      assert.ok(await waitDead(pid), `${how}: registry ${pid} killed`);
      if (how === 'SIGKILL') {
        // nobody was left to remove the dir: the next startRegistry() sweeps it
        const next = await startRegistry();
        await next.stop();
        assert.ok(!existsSync(dir), `${how}: stale temp dir swept`);
      } else assert.ok(!existsSync(dir), `${how}: temp dir removed`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// faulty registry

describe('faulty registry', () => {
  test('serves the pull API well enough for skopeo', async () => {
    const reg = await startFaultyRegistry({ repos: { 'lib/multi': fx.multi.dir, multiarch: fx.multiarch.dir, docker: fx.docker.dir } });
    try {
      const v2 = await rawRequest(`${reg.url}/v2/`);
      assert.equal(v2.status, 200);
      assert.equal(v2.headers['docker-distribution-api-version'], 'registry/2.0');
      const m = await rawRequest(`${reg.url}/v2/lib/multi/manifests/latest`);
      assert.equal(m.status, 200);
      assert.equal(m.headers['content-type'], MEDIA_TYPES.ociManifest);
      assert.equal(m.headers['docker-content-digest'], fx.multi.digest);
      assert.equal(sha256(m.body), fx.multi.digest);
      const head = await rawRequest(`${reg.url}/v2/lib/multi/blobs/${fx.multi.layers[0].digest}`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(Number(head.headers['content-length']), fx.multi.layers[0].size);
      assert.equal((await rawRequest(`${reg.url}/v2/lib/multi/manifests/nope`)).status, 404);
      assert.equal((await rawRequest(`${reg.url}/v2/other/manifests/latest`)).status, 404);
      assert.equal((await rawRequest(`${reg.url}/v2/lib/multi/blobs/sha256:${'0'.repeat(64)}`)).status, 404);
      assert.equal((await rawRequest(`${reg.url}/v2/lib/multi/blobs/uploads/`, { method: 'POST' })).status, 405);

      for (const [repo, f] of [['lib/multi', fx.multi], ['multiarch', fx.multiarch], ['docker', fx.docker]] as const) {
        const raw = await inspectRaw(`${reg.host}/${repo}:latest`);
        assert.equal(sha256(raw), f.digest);
      }
      const out = join(root, 'pulled-multi');
      await execBuf('skopeo', ['--insecure-policy', 'copy', '--quiet', '--preserve-digests', '--src-tls-verify=false', `docker://${reg.host}/lib/multi:latest`, `oci:${out}:latest`]);
      const idx = await readJson<{ manifests: Descriptor[] }>(join(out, 'index.json'));
      assert.equal(idx.manifests[0].digest, fx.multi.digest);
      assert.ok(reg.requests.some((r) => r.method === 'GET' && r.path === `/v2/lib/multi/blobs/${fx.multi.layers[1].digest}` && r.status === 200));
      assert.ok(reg.requests.every((r) => typeof r.headers === 'object'));
    } finally {
      await reg.stop();
    }
    await assert.rejects(rawRequest(`${reg.url}/v2/`), 'stopped server refuses connections');
  });

  test('injects faults per digest', async () => {
    const [l0, l1, l2] = fx.multi.layers;
    const reg = await startFaultyRegistry({
      repos: { multi: fx.multi.dir },
      faults: { [l0.digest]: 'corrupt', [l1.digest]: 'truncate', [l2.digest]: 'status500' },
    });
    try {
      const blobUrl = (d: string) => `${reg.url}/v2/multi/blobs/${d}`;
      const c = await rawRequest(blobUrl(l0.digest));
      assert.equal(c.status, 200);
      assert.ok(c.complete);
      assert.equal(c.body.length, l0.size);
      assert.notEqual(sha256(c.body), l0.digest);

      const t = await rawRequest(blobUrl(l1.digest));
      assert.equal(Number(t.headers['content-length']), l1.size);
      assert.ok(!t.complete, 'truncated body is incomplete');
      assert.ok(t.body.length < l1.size);
      assert.ok(!(await rawRequest(blobUrl(l1.digest))).complete, 'truncate is permanent');

      const s = await rawRequest(blobUrl(l2.digest));
      assert.equal(s.status, 500);
      assert.equal((JSON.parse(s.body.toString()) as { errors: Array<{ code: string }> }).errors[0].code, 'UNKNOWN');
      assert.equal(reg.hits(l2.digest), 1);

      // a real client notices the corrupt blob
      await assert.rejects(
        execBuf('skopeo', ['--insecure-policy', 'copy', '--quiet', '--src-tls-verify=false', `docker://${reg.host}/multi:latest`, `oci:${join(root, 'pulled-corrupt')}:latest`]),
      );

      // faults on manifests, changeable at run time
      reg.setFault(fx.multi.digest, 'corrupt');
      const m = await rawRequest(`${reg.url}/v2/multi/manifests/latest`);
      assert.notEqual(sha256(m.body), fx.multi.digest);
      reg.setFault(fx.multi.digest, null);
      assert.equal(sha256((await rawRequest(`${reg.url}/v2/multi/manifests/latest`)).body), fx.multi.digest);
    } finally {
      await reg.stop();
    }
  });

  test('dropOnce breaks the first transfer and honours Range on the retry', async () => {
    const layer = fx.multi.layers[0];
    const reg = await startFaultyRegistry({ repos: { multi: fx.multi.dir }, faults: { [layer.digest]: 'dropOnce' } });
    try {
      const url = `${reg.url}/v2/multi/blobs/${layer.digest}`;
      const first = await rawRequest(url);
      assert.equal(first.status, 200);
      assert.ok(!first.complete);
      assert.ok(first.body.length > 0 && first.body.length < layer.size);
      const rest = await rawRequest(url, { headers: { range: `bytes=${first.body.length}-` } });
      assert.equal(rest.status, 206);
      assert.equal(rest.headers['content-range'], `bytes ${first.body.length}-${layer.size - 1}/${layer.size}`);
      assert.ok(rest.complete);
      assert.equal(sha256(Buffer.concat([first.body, rest.body])), layer.digest);
      const whole = await rawRequest(url);
      assert.equal(sha256(whole.body), layer.digest);
      assert.equal(reg.hits(layer.digest), 3);
    } finally {
      await reg.stop();
    }
  });

  test('slow sends in small delayed chunks and survives a client that goes away', async () => {
    const layer = fx.single.layers[0]; // ~1 MiB
    const reg = await startFaultyRegistry({
      repos: { single: fx.single.dir },
      faults: { [layer.digest]: 'slow' },
      slow: { chunkSize: 128 * 1024, delayMs: 40 },
    });
    try {
      const url = `${reg.url}/v2/single/blobs/${layer.digest}`;
      const t0 = performance.now();
      const full = await rawRequest(url);
      const took = performance.now() - t0;
      assert.equal(sha256(full.body), layer.digest);
      assert.ok(took >= 200, `slow transfer took ${took} ms`);
      // a client killed mid-pull
      const ac = new AbortController();
      const res = await fetch(url, { signal: ac.signal });
      const reader = res.body?.getReader();
      await reader?.read();
      ac.abort();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal((await rawRequest(`${reg.url}/v2/`)).status, 200, 'server still fine');
    } finally {
      await reg.stop();
    }
  });

  test('bearer-token fake: 401 challenge, token endpoint, skopeo with credentials', async () => {
    const reg = await startTokenAuthRegistry({ repos: { x: fx.single.dir }, user: 'bob', password: 'pw' });
    try {
      const m = await rawRequest(`${reg.url}/v2/x/manifests/latest`);
      assert.equal(m.status, 401);
      const challenge = String(m.headers['www-authenticate']);
      assert.equal(challenge, `Bearer realm="http://${reg.host}/token",service="test",scope="repository:x:pull"`);
      const bad = await rawRequest(`${reg.url}/token?service=test&scope=repository:x:pull`);
      assert.equal(bad.status, 401);
      const tok = await rawRequest(`${reg.url}/token?service=test&scope=repository:x:pull`, {
        headers: { authorization: `Basic ${Buffer.from('bob:pw').toString('base64')}` },
      });
      assert.equal(tok.status, 200);
      const { token } = JSON.parse(tok.body.toString()) as { token: string };
      const ok = await rawRequest(`${reg.url}/v2/x/manifests/latest`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      assert.equal(sha256(ok.body), fx.single.digest);
      assert.equal(sha256(await inspectRaw(`${reg.host}/x:latest`, { creds: { user: 'bob', password: 'pw' } })), fx.single.digest);
      await assert.rejects(inspectRaw(`${reg.host}/x:latest`, { creds: { user: 'bob', password: 'nope' } }));
    } finally {
      await reg.stop();
    }
  });
});

