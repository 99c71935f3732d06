// A registry that misbehaves, and layers that attack: every failure is a clear error with
// exit code 1 that names the image and the layer, and leaves no trace in the store.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixtures, type Fixtures, type HostileKind } from '../helpers/fixtures.js';
import { startFaultyRegistry, type FaultyRegistry } from '../helpers/registry.js';
import { ok, sandboxes, type Sandbox } from '../helpers/berth.js';
import { makeTestCa } from '../helpers/tls.js';

let fx: Fixtures;
let fxDir: string;
let faulty: FaultyRegistry;
const boxes = sandboxes();
const fresh = boxes.fresh;

before(async () => {
  fxDir = mkdtempSync(join(tmpdir(), 'berth-fx-'));
  fx = await buildFixtures(fxDir);
  const repos: Record<string, string> = { multi: fx.multi.dir, single: fx.single.dir };
  for (const [k, h] of Object.entries(fx.hostile)) repos[`hostile/${k}`] = h.dir;
  faulty = await startFaultyRegistry({ repos, slow: { chunkSize: 64 * 1024, delayMs: 40 } });
});

after(async () => {
  await faulty?.stop();
  boxes.cleanup();
  rmSync(fxDir, { recursive: true, force: true });
});

function list(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Nothing of a failed pull remains: no image, no layer blob, no snapshot, no temporaries. */
async function assertNoTrace(sb: Sandbox, layerDigests: string[]): Promise<void> {
  assert.equal((await ok(sb, ['images', '-aq'])).trim(), '');
  const blobs = list(join(sb.root, 'content', 'blobs', 'sha256'));
  for (const d of layerDigests) assert.ok(!blobs.includes(d.slice(7)), `blob ${d} must not be stored`);
  assert.deepEqual(list(join(sb.root, 'storage', 'overlay')), []);
  assert.deepEqual(list(join(sb.root, 'storage', 'tmp')), []);
  assert.deepEqual(list(join(sb.root, 'content', 'ingest')), []);
}

describe('registry faults', () => {
  const layer = () => fx.multi.layers[0].digest;

  for (const [fault, pattern] of [
    ['corrupt', /digest mismatch|cannot decompress/],
    ['truncate', /connection closed|closed|aborted|socket hang up/i],
    ['status500', /500|Internal Server Error/],
  ] as const) {
    test(`a ${fault} blob fails clearly and leaves no trace`, async () => {
      const sb = fresh();
      faulty.setFault(layer(), fault);
      try {
        const r = await sb.run(['pull', `${faulty.host}/multi:latest`]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, pattern);
        assert.ok(r.stderr.includes(layer()), `error names the layer: ${r.stderr}`);
        assert.ok(r.stderr.includes(`${faulty.host}/multi:latest`), `error names the image: ${r.stderr}`);
        await assertNoTrace(sb, fx.multi.layers.map((l) => l.digest));
      } finally {
        faulty.setFault(layer(), null);
      }
    });
  }

  test('a connection dropped part way is resumed with a Range request', async () => {
    const sb = fresh();
    faulty.setFault(layer(), 'dropOnce');
    try {
      const before = faulty.requests.length;
      await ok(sb, ['pull', `${faulty.host}/multi:latest`]);
      const ranged = faulty.requests.slice(before).filter((r) => r.path.endsWith(layer()) && r.headers.range);
      assert.equal(ranged.length, 1, 'one resumed request');
      assert.match(String(ranged[0].headers.range), /^bytes=[1-9]\d*-$/);
      assert.equal(JSON.parse(await ok(sb, ['image', 'inspect', `${faulty.host}/multi:latest`]))[0].Id, fx.multi.configDigest);
    } finally {
      faulty.setFault(layer(), null);
    }
  });

  test('a pull killed with SIGKILL half way leaves no broken image; the next pull completes', async () => {
    const sb = fresh();
    faulty.setFault(fx.multi.layers[0].digest, 'slow');
    const name = `${faulty.host}/multi:latest`;
    try {
      const child = sb.spawn(['pull', name]);
      let seen = '';
      await new Promise<void>((resolve) => {
        child.stdout!.on('data', (d: Buffer) => {
          seen += d.toString();
          if (/Downloading/.test(seen)) resolve();
        });
        setTimeout(resolve, 3000);
      });
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('close', r));
      assert.equal((await ok(sb, ['images', '-q'])).trim(), '', 'no image after the kill');
      faulty.setFault(fx.multi.layers[0].digest, null);
      await ok(sb, ['pull', name]);
      assert.equal(JSON.parse(await ok(sb, ['image', 'inspect', name]))[0].Id, fx.multi.configDigest);
      assert.deepEqual(list(join(sb.root, 'storage', 'tmp')), [], 'the next pull swept the dead pull\'s temporaries');
      assert.deepEqual(list(join(sb.root, 'content', 'ingest')), []);
    } finally {
      faulty.setFault(fx.multi.layers[0].digest, null);
    }
  });
});

describe('hostile layers', () => {
  const cases: Array<[HostileKind, RegExp]> = [
    ['traversal', /path traversal/],
    ['absolute', /absolute path/],
    ['symlink-escape', /written through the symlink/],
    ['symlink-escape-rel', /written through the symlink/],
    ['hardlink-escape', /path traversal|absolute path|not a file in this layer/],
    ['device', /device node/],
    ['bomb', /exceeds the limit/],
  ];
  for (const [kind, pattern] of cases) {
    test(`${kind}: refused, nothing written outside or inside the store`, async () => {
      const sb = fresh();
      const h = fx.hostile[kind];
      const name = `${faulty.host}/hostile/${kind}:latest`;
      const r = await sb.run(['pull', name], { env: { BERTH_MAX_LAYER_SIZE: '8MiB' } });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /refusing layer/);
      assert.match(r.stderr, pattern);
      assert.ok(r.stderr.includes(h.layers[0].digest) && r.stderr.includes(`hostile/${kind}`), r.stderr);
      assert.deepEqual(readdirSync(fx.hostileTarget), [], 'nothing escaped');
      assert.equal(statSync(fx.hostileSecret).nlink, 1, 'no hardlink to the secret');
      for (const p of h.hostEscapes) assert.ok(!existsSync(p), `${p} must not exist`);
      await assertNoTrace(sb, h.layers.map((l) => l.digest));
    });
  }
});

describe('registry auth and mirrors (in-process registry: the Debian registry issues no tokens)', () => {
  test('bearer tokens: challenge, token from the realm with basic credentials, then pull', async () => {
    const tokenReg = await startFaultyRegistry({ repos: { 'team/single': fx.single.dir }, auth: { scheme: 'bearer', user: 'bob', password: 'pw', service: 'berth-test' } });
    try {
      const sb = fresh();
      const name = `${tokenReg.host}/team/single:latest`;
      const anon = await sb.run(['pull', name]);
      assert.equal(anon.code, 1);
      assert.match(anon.stderr, /token request denied|unauthorized|authentication required/i);
      await ok(sb, ['login', '-u', 'bob', '--password-stdin', tokenReg.host], { input: 'pw' });
      await ok(sb, ['pull', name]);
      const tokenReq = tokenReg.requests.find((r) => r.path.startsWith('/token') && r.path.includes('scope=') && String(r.headers.authorization ?? '').startsWith('Basic'));
      assert.ok(tokenReq, 'asked the realm for a token with basic credentials');
      assert.match(tokenReq!.path, /scope=repository%3Ateam%2Fsingle%3Apull/);
      assert.match(tokenReq!.path, /service=berth-test/);
      assert.ok(tokenReg.requests.some((r) => String(r.headers.authorization ?? '').startsWith('Bearer ')));
    } finally {
      await tokenReg.stop();
    }
  });

  test('a configured mirror serves docker.io pulls, and the mirror is what gets asked', async () => {
    const mirror = await startFaultyRegistry({ repos: { 'library/mirrored': fx.single.dir } });
    try {
      const sb = fresh();
      const { appendFileSync } = await import('node:fs');
      appendFileSync(sb.configFile, `[registries.mirrors]\n"docker.io" = ["http://${mirror.host}"]\n`);
      const out = await ok(sb, ['pull', 'mirrored']);
      assert.ok(out.trimEnd().endsWith('docker.io/library/mirrored:latest'), out);
      assert.match(await ok(sb, ['images', '--format', '{{.Repository}}:{{.Tag}}']), /^mirrored:latest$/m);
      assert.ok(mirror.requests.some((r) => r.path === '/v2/library/mirrored/manifests/latest'));
    } finally {
      await mirror.stop();
    }
  });

  test('a mirror over TLS whose CA is named by NODE_EXTRA_CA_CERTS is trusted; with another CA file berth refuses it', async () => {
    const mirror = await startFaultyRegistry({ repos: { 'library/tlsmirrored': fx.single.dir } });
    const dir = mkdtempSync(join(tmpdir(), 'berth-tls-'));
    // TLS in front of the in-process registry (bin/berth hands NODE_EXTRA_CA_CERTS to berth's
    // own TLS code rather than to Node's start-up: src/util/tls.ts).
    const ca = makeTestCa(dir);
    const [mhost, mport] = mirror.host.split(':');
    const proxy = createHttpsServer({ key: ca.key, cert: ca.cert }, (req, res) => {
      const up = httpRequest({ host: mhost, port: Number(mport), path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    const handshakeErrors: string[] = [];
    proxy.on('tlsClientError', (e: Error) => handshakeErrors.push(e.message));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const sb = fresh();
      appendFileSync(sb.configFile, `[registries.mirrors]\n"docker.io" = ["https://127.0.0.1:${(proxy.address() as AddressInfo).port}"]\n`);
      // Untrusted, the mirror is given up (then docker.io itself, unreachable here, fails the pull).
      const untrusted = await sb.run(['pull', 'tlsmirrored'], { env: { NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' } });
      assert.notEqual(untrusted.code, 0);
      assert.ok(handshakeErrors.length > 0, 'berth broke off the TLS handshake');
      assert.equal(mirror.requests.length, 0);
      const out = await ok(sb, ['pull', 'tlsmirrored'], { env: { NODE_EXTRA_CA_CERTS: ca.caFile } });
      assert.ok(out.trimEnd().endsWith('docker.io/library/tlsmirrored:latest'), out);
      assert.ok(mirror.requests.some((r) => r.path === '/v2/library/tlsmirrored/manifests/latest'));
    } finally {
      proxy.close();
      await mirror.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
