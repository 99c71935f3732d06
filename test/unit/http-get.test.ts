// httpGet: redirects followed, statuses passed through, and over TLS the extra CA certificates
// that bin/berth hands on as BERTH_EXTRA_CA_CERTS are trusted (src/util/tls.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCa } from '../helpers/tls.js';

let dir: string;
let server: Server;
let base: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-tls-'));
  const ca = makeTestCa(dir);
  server = createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
    if (req.url === '/a') res.writeHead(302, { location: '/b' }).end();
    else if (req.url === '/b') res.writeHead(200, { 'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT' }).end('hello');
    else res.writeHead(404, 'Nope').end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // As bin/berth leaves it: the file under berth's name, Node's own variable unset.
  process.env.BERTH_EXTRA_CA_CERTS = ca.caFile;
  delete process.env.NODE_EXTRA_CA_CERTS;
});

after(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function text(body: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const c of body) s += String(c);
  return s;
}

test('httpGet follows redirects over TLS with the extra CA trusted, and passes statuses through', async () => {
  const { httpGet } = await import('../../src/util/http-get.js');
  const r = await httpGet(`${base}/a`);
  assert.equal(r.status, 200);
  assert.equal(r.url, `${base}/b`);
  assert.equal(r.headers['last-modified'], 'Wed, 21 Oct 2015 07:28:00 GMT');
  assert.equal(await text(r.body), 'hello');
  const missing = await httpGet(`${base}/c`);
  assert.equal(missing.status, 404);
  assert.equal(missing.statusText, 'Nope');
  missing.body.resume();
});
