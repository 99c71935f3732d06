import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarName, familiarReference, formatReference, parseReference } from '../../src/images/reference.js';

const norm = (s: string) => formatReference(parseReference(s));

test('references normalise as docker does', () => {
  assert.equal(norm('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(norm('busybox:1.36'), 'docker.io/library/busybox:1.36');
  assert.equal(norm('user/app'), 'docker.io/user/app:latest');
  assert.equal(norm('docker.io/busybox'), 'docker.io/library/busybox:latest');
  assert.equal(norm('index.docker.io/library/busybox'), 'docker.io/library/busybox:latest');
  assert.equal(norm('localhost/app'), 'localhost/app:latest');
  assert.equal(norm('localhost:5000/a/b/c:v1'), 'localhost:5000/a/b/c:v1');
  assert.equal(norm('127.0.0.1:5000/app:tag'), '127.0.0.1:5000/app:tag');
  assert.equal(norm('quay.io/org/app'), 'quay.io/org/app:latest');
  const d = 'sha256:' + 'a'.repeat(64);
  assert.equal(norm(`busybox@${d}`), `docker.io/library/busybox@${d}`);
  assert.equal(norm(`busybox:1@${d}`), `docker.io/library/busybox:1@${d}`);
  assert.equal(norm('my.reg:443/x_y/z-w.v__q:T_ag.1-x'), 'my.reg:443/x_y/z-w.v__q:T_ag.1-x');
});

test('familiar names drop what docker drops', () => {
  assert.equal(familiarName('docker.io/library/busybox'), 'busybox');
  assert.equal(familiarName('docker.io/user/app'), 'user/app');
  assert.equal(familiarName('127.0.0.1:5000/app'), '127.0.0.1:5000/app');
  assert.equal(familiarReference(parseReference('busybox')), 'busybox:latest');
});

test('malformed references are refused with a clear message', () => {
  for (const bad of ['', 'UPPER', 'Busybox:latest', 'a//b', 'a/b/', 'busybox:', 'busybox:bad tag', 'bad@sha256:xyz', `busybox@sha256:${'a'.repeat(63)}`, 'a:b:c', '-leading', 'host:port:5000/x', 'x'.repeat(300), 'busybox:' + 't'.repeat(129), 'a..b']) {
    assert.throws(() => parseReference(bad), /invalid reference format/, `expected "${bad}" to be refused`);
  }
});
