// Pure logic behind the flags and files docker users write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePublish } from '../../src/network/ports.js';
import { freeAddress, freeSubnet, intToIp, overlaps, parseCidr } from '../../src/network/ipnet.js';
import { resolvConf } from '../../src/network/resolv.js';
import { healthPlan, parseGoDuration, recordResult } from '../../src/containers/health.js';
import { applyChange } from '../../src/images/changes.js';
import { globToRegExp, parseFilters } from '../../src/images/filters.js';
import { parseLine } from '../../src/containers/logs.js';
import { parseDetachKeys } from '../../src/engine/attach.js';
import { DEFAULT_CAPS, defaultSeccomp } from '../../src/containers/security.js';
import type { ContainerConfig } from '../../src/images/manifest.js';

test('-p syntax', () => {
  assert.deepEqual(parsePublish('80'), { '80/tcp': [{ HostIp: '', HostPort: '' }] });
  assert.deepEqual(parsePublish('127.0.0.1:8080:80/udp'), { '80/udp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] });
  assert.deepEqual(parsePublish('8000-8001:80-81'), { '80/tcp': [{ HostIp: '', HostPort: '8000' }], '81/tcp': [{ HostIp: '', HostPort: '8001' }] });
  assert.deepEqual(parsePublish('127.0.0.1::53/udp'), { '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  for (const bad of ['80:abc', '0', '70000', '1:2:3:4', '80/sctpx', 'a.b:80:80']) assert.throws(() => parsePublish(bad), /invalid/, bad);
  assert.throws(() => parsePublish('8000-8002:80-81'), /port ranges of different sizes/);
});

test('subnets and addresses', () => {
  const s = parseCidr('10.89.3.7/24');
  assert.equal(intToIp(s.base), '10.89.3.0');
  assert.ok(overlaps(parseCidr('10.0.0.0/8'), s));
  assert.ok(!overlaps(parseCidr('10.89.4.0/24'), s));
  assert.equal(intToIp(freeAddress(s, s, new Set([s.base + 1, s.base + 2]))!), '10.89.3.3');
  assert.equal(freeAddress(parseCidr('10.0.0.0/30'), parseCidr('10.0.0.0/30'), new Set([parseCidr('10.0.0.1/32').base, parseCidr('10.0.0.2/32').base])), undefined);
  assert.equal(intToIp(freeSubnet([parseCidr('10.89.0.0/24'), parseCidr('10.89.1.0/24')])!.base), '10.89.2.0');
  assert.equal(intToIp(freeSubnet([parseCidr('10.101.128.0/24')], parseCidr('10.101.128.0/17'))!.base), '10.101.129.0');
  assert.equal(freeSubnet([parseCidr('10.101.128.0/17')], parseCidr('10.101.128.0/17')), undefined);
  assert.throws(() => parseCidr('10.0.0.0/33'), /invalid subnet/);
  assert.throws(() => parseCidr('300.0.0.0/8'), /invalid IPv4/);
});

test('resolv.conf as docker writes it', () => {
  const host = 'nameserver 127.0.0.53\nnameserver 192.0.2.1\nsearch lan\noptions edns0\n';
  assert.equal(resolvConf(host, { servers: [], search: [], options: [] }), 'nameserver 192.0.2.1\nsearch lan\noptions edns0\n');
  assert.equal(resolvConf(host, { servers: ['10.89.0.1'], search: ['x.test'], options: ['ndots:2'] }), 'nameserver 10.89.0.1\nsearch x.test\noptions ndots:2\n');
});

test('health checks: durations, plans, and the status machine', () => {
  assert.equal(parseGoDuration('1m30s'), 90e9);
  assert.equal(parseGoDuration('250ms'), 250e6);
  assert.throws(() => parseGoDuration('5 seconds'), /invalid duration/);
  assert.equal(healthPlan({ Test: ['NONE'] }), undefined);
  assert.deepEqual(healthPlan({ Test: ['CMD-SHELL', 'test -f /ok'], Interval: 1e9, Retries: 2 }), { test: ['/bin/sh', '-c', 'test -f /ok'], intervalMs: 1000, timeoutMs: 30000, startPeriodMs: 0, retries: 2 });
  const plan = healthPlan({ Test: ['CMD', 'true'], Retries: 2, StartPeriod: 10e9 })!;
  const at = (ms: number, code: number) => ({ start: new Date(ms), end: new Date(ms), code, output: '' });
  let h = recordResult(undefined, at(1000, 1), plan, 0);
  assert.equal(h.Status, 'starting', 'failures in the start period do not count');
  h = recordResult(h, at(2000, 0), plan, 0);
  assert.equal(h.Status, 'healthy');
  h = recordResult(h, at(3000, 1), plan, 0);
  assert.deepEqual([h.Status, h.FailingStreak], ['healthy', 1]);
  h = recordResult(h, at(20_000, 1), plan, 0);
  assert.deepEqual([h.Status, h.FailingStreak], ['unhealthy', 2]);
  for (let i = 0; i < 6; i++) h = recordResult(h, at(30_000 + i, 1), plan, 0);
  assert.equal(h.Log.length, 5);
});

test('--change instructions', () => {
  const cfg: ContainerConfig = { Env: ['A=1'] };
  applyChange(cfg, 'ENV A=2 B="two words"');
  applyChange(cfg, 'CMD echo hi');
  applyChange(cfg, 'ENTRYPOINT ["/bin/sh", "-c"]');
  applyChange(cfg, 'EXPOSE 80 53/udp');
  applyChange(cfg, 'LABEL a=b c="d e"');
  applyChange(cfg, 'VOLUME ["/data"]');
  assert.deepEqual(cfg, { Env: ['A=2', 'B=two words'], Cmd: ['/bin/sh', '-c', 'echo hi'], Entrypoint: ['/bin/sh', '-c'], ExposedPorts: { '80/tcp': {}, '53/udp': {} }, Labels: { a: 'b', c: 'd e' }, Volumes: { '/data': {} } });
  assert.throws(() => applyChange(cfg, 'RUN x'), /not a valid change command/);
  assert.throws(() => applyChange(cfg, 'EXPOSE http'), /invalid port/);
});

test('filters and globs', () => {
  assert.ok(globToRegExp('busy*').test('busybox'));
  assert.ok(!globToRegExp('*').test('a/b'), '* does not cross /');
  assert.ok(globToRegExp('a?c').test('abc'));
  assert.deepEqual([...parseFilters(['label=a=b', 'label=c', 'dangling=true'], ['label', 'dangling'])], [['label', ['a=b', 'c']], ['dangling', ['true']]]);
  assert.throws(() => parseFilters(['x=1'], ['label']), /invalid filter 'x'/);
  assert.throws(() => parseFilters(['nope'], ['label']), /bad format of filter/);
});

test('k8s-file log lines and detach keys', () => {
  assert.deepEqual(parseLine('2026-11-30T01:00:00.123456789+00:00 stderr P half'), { time: '2026-11-30T01:00:00.123456789+00:00', stream: 'stderr', partial: true, text: 'half' });
  assert.equal(parseLine('garbage'), undefined);
  assert.deepEqual(parseDetachKeys(), [0x10, 0x11]);
  assert.deepEqual(parseDetachKeys('ctrl-a,x'), [1, 120]);
  assert.throws(() => parseDetachKeys('ctrl-ab'), /invalid detach keys/);
});

test('the seccomp profile refuses namespace-creating clone and privileged calls by default', () => {
  const p = defaultSeccomp(DEFAULT_CAPS);
  const allowed = new Set(p.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r) => r.names));
  for (const n of ['read', 'openat', 'execve', 'clone3']) assert.equal(allowed.has(n), n !== 'clone3', n);
  for (const n of ['mount', 'unshare', 'setns', 'reboot', 'init_module', 'bpf']) assert.ok(!allowed.has(n), n);
  assert.equal(p.syscalls.find((r) => r.names.includes('clone3'))?.errnoRet, 38);
  const admin = defaultSeccomp([...DEFAULT_CAPS, 'CAP_SYS_ADMIN']);
  assert.ok(admin.syscalls.some((r) => r.action === 'SCMP_ACT_ALLOW' && r.names.includes('mount')));
});

test('user namespaces: id maps, subordinate ranges, keep-id mappings', async () => {
  const { parseIdMap, subordinateRange } = await import('../../src/platform/userns.js');
  const { keepIdMappings } = await import('../../src/containers/userns.js');
  assert.deepEqual(parseIdMap('         0       1001          1\n         1     100000      65536\n'), [{ inner: 0, outer: 1001, count: 1 }, { inner: 1, outer: 100000, count: 65536 }]);
  const subuid = 'alice:100000:65536\n1002:200000:1000\nbroken:x:1\n';
  assert.deepEqual(subordinateRange(subuid, 'alice', 1001), { start: 100000, count: 65536 });
  assert.deepEqual(subordinateRange(subuid, 'bob', 1002), { start: 200000, count: 1000 });
  assert.equal(subordinateRange(subuid, 'broken', 9), undefined);
  assert.equal(subordinateRange(subuid, 'carol', 1003), undefined);
  // 65537 ids in the user's namespace (0 = the user, 1..65536 subordinate); uid 1001 keeps itself.
  assert.deepEqual(keepIdMappings(1001, 65537), [{ containerID: 0, hostID: 1, size: 1001 }, { containerID: 1001, hostID: 0, size: 1 }, { containerID: 1002, hostID: 1002, size: 64535 }]);
  assert.deepEqual(keepIdMappings(0, 10), [{ containerID: 0, hostID: 0, size: 1 }, { containerID: 1, hostID: 1, size: 9 }]);
});

test('--userns=auto: sizes and slices of the subordinate range', async () => {
  const { allocateSlice, autoSize } = await import('../../src/containers/userns.js');
  assert.equal(autoSize('auto'), 1024);
  assert.equal(autoSize('auto:size=2048'), 2048);
  assert.throws(() => autoSize('auto:size=0'), /size must be 1..65536/);
  assert.throws(() => autoSize('auto:big'), /use auto or auto:size=N/);
  assert.deepEqual(allocateSlice([], 1024, 65537), { base: 1, size: 1024 });
  assert.deepEqual(allocateSlice([{ base: 1, size: 1024 }, { base: 3073, size: 100 }], 2048, 65537), { base: 1025, size: 2048 });
  assert.deepEqual(allocateSlice([{ base: 1, size: 1024 }, { base: 2000, size: 100 }], 2048, 65537), { base: 2100, size: 2048 });
  assert.throws(() => allocateSlice([{ base: 1, size: 65000 }], 1024, 65537), /no 1024 ids left/);
});
