// What the remote backend relies on besides the wire: docker's stats arithmetic, the request
// bodies it writes (read back by the API's handlers), and the tar rewrites of cp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { statsNumbers } from '../../src/cli/commands/stats.js';
import type { ContainerStats } from '../../src/backend/backend.js';
import { networkCreateBody, networkCreateOptions, volumeCreateBody, volumeCreateOptions } from '../../src/api/bodies.js';
import { copyRule, renameTop, underTop } from '../../src/containers/copy.js';

const cpu = (total: number, system: number, online = 2): ContainerStats['cpu_stats'] => ({ cpu_usage: { total_usage: total, usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: system, online_cpus: online, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } });
const sample = (o: Partial<ContainerStats>): ContainerStats => ({ id: 'x', name: '/x', read: '', preread: '', pids_stats: {}, blkio_stats: { io_service_bytes_recursive: null }, cpu_stats: cpu(0, 0), precpu_stats: cpu(0, 0), memory_stats: {}, ...o });

test('stats: CPU % over the interval, scaled by the CPUs online, as docker\'s CLI', () => {
  assert.equal(statsNumbers(sample({ cpu_stats: cpu(3e9, 20e9, 4), precpu_stats: cpu(1e9, 10e9, 4) })).cpuPercent, 80);
  // no interval (the first sample of a stream, or an idle container) is 0
  assert.equal(statsNumbers(sample({ cpu_stats: cpu(1e9, 10e9), precpu_stats: cpu(1e9, 5e9) })).cpuPercent, 0);
  assert.equal(statsNumbers(sample({ cpu_stats: cpu(2e9, 10e9), precpu_stats: cpu(1e9, 10e9) })).cpuPercent, 0);
  // online_cpus missing: the per-CPU counters say how many
  const old = cpu(2e9, 4e9, 0);
  old.cpu_usage.percpu_usage = [1, 1, 1];
  assert.equal(statsNumbers(sample({ cpu_stats: old, precpu_stats: cpu(1e9, 2e9) })).cpuPercent, 150);
});

test('stats: memory without the inactive file cache (cgroup v1 and v2), block and network I/O', () => {
  const v1 = statsNumbers(sample({ memory_stats: { usage: 1000, limit: 4000, stats: { total_inactive_file: 200, inactive_file: 100 } } }));
  assert.deepEqual([v1.memory, v1.memoryLimit, v1.memoryPercent], [800, 4000, 20]);
  assert.equal(statsNumbers(sample({ memory_stats: { usage: 1000, limit: 2000, stats: { inactive_file: 500 } } })).memory, 500);
  assert.equal(statsNumbers(sample({ memory_stats: { usage: 1000, limit: 2000, stats: { inactive_file: 5000 } } })).memory, 1000, 'a cache larger than the usage is not subtracted');
  const none = statsNumbers(sample({}));
  assert.deepEqual([none.memory, none.memoryPercent, none.pids], [0, 0, 0]);
  const io = statsNumbers(sample({
    blkio_stats: { io_service_bytes_recursive: [{ major: 8, minor: 0, op: 'Read', value: 10 }, { major: 8, minor: 0, op: 'write', value: 5 }, { major: 8, minor: 16, op: 'read', value: 1 }, { major: 8, minor: 0, op: 'Total', value: 16 }, { major: 8, minor: 0, op: '', value: 9 }] },
    networks: { eth0: { rx_bytes: 100, tx_bytes: 7 }, eth1: { rx_bytes: 1, tx_bytes: 3 } },
    pids_stats: { current: 4 },
  }));
  assert.deepEqual([io.blockRead, io.blockWrite, io.netRx, io.netTx, io.pids], [11, 5, 101, 10, 4]);
});

test('network create: the body the remote side writes reads back as the options it came from', () => {
  const o = { name: 'n', driver: 'bridge', subnet: '10.1.0.0/24', gateway: '10.1.0.254', ipRange: '10.1.0.128/25', subnet6: 'fd00::/64', gateway6: 'fd00::1', internal: true, ipv6: true, labels: { a: 'b' }, options: { mtu: '1400' } };
  const body = networkCreateBody(o);
  assert.deepEqual(body.IPAM, { Driver: 'default', Options: {}, Config: [{ Subnet: '10.1.0.0/24', Gateway: '10.1.0.254', IPRange: '10.1.0.128/25' }, { Subnet: 'fd00::/64', Gateway: 'fd00::1' }] });
  assert.deepEqual(networkCreateOptions(JSON.parse(JSON.stringify(body))), o);
  const plain = networkCreateOptions(networkCreateBody({ name: 'p' }));
  assert.deepEqual(plain, { name: 'p', driver: 'bridge', subnet: undefined, gateway: undefined, ipRange: undefined, subnet6: undefined, gateway6: undefined, internal: false, ipv6: false, labels: {}, options: {} });
  assert.throws(() => networkCreateOptions({ Name: 'x', IPAM: { Config: [{ Subnet: '10.0.0.0/24' }, { Subnet: '10.0.1.0/24' }] } }), /only one IPv4 IPAM config/);
  assert.throws(() => networkCreateOptions({ Name: 'x', IPAM: { Config: [{ Subnet: 'fd00::/64', IPRange: 'fd00::/80' }] } }), /IPv6 ip-range/);
  assert.throws(() => networkCreateOptions({ Name: 'x', Labels: { a: 1 } }), /invalid Labels/);
  assert.throws(() => networkCreateOptions({}), /network name is required/);
});

test('volume create: the body and back', () => {
  const o = { name: 'v', driver: 'local', labels: { a: 'b' }, options: { type: 'tmpfs', device: 'tmpfs' } };
  assert.deepEqual(volumeCreateBody(o), { Name: 'v', Driver: 'local', DriverOpts: { type: 'tmpfs', device: 'tmpfs' }, Labels: { a: 'b' } });
  assert.deepEqual(volumeCreateOptions(volumeCreateBody(o)), o);
  assert.equal(volumeCreateOptions(volumeCreateBody({})).name, undefined, 'no name: the engine makes one');
  assert.throws(() => volumeCreateOptions({ Name: 3 }), /invalid Name/);
});

async function entries(t: Readable): Promise<Array<[string, string]>> {
  const ex = tar.extract();
  t.pipe(ex as unknown as NodeJS.WritableStream);
  const out: Array<[string, string]> = [];
  for await (const e of ex) {
    const chunks: Buffer[] = [];
    for await (const c of e as AsyncIterable<Buffer>) chunks.push(c);
    out.push([e.header.name, Buffer.concat(chunks).toString()]);
  }
  return out;
}

function tarOf(list: Array<[string, string?]>): Readable {
  const p = tar.pack();
  for (const [name, content] of list) p.entry(name.endsWith('/') ? { name, type: 'directory' } : { name }, content ?? '');
  p.finalize();
  return p as unknown as Readable;
}

test('cp: a tar\'s top entry renamed, and a directory\'s contents (dockerd\'s DIR/.) put under a name', async () => {
  assert.deepEqual(await entries(renameTop(tarOf([['src/'], ['src/a/'], ['src/a/f', 'x']]), 'dst')), [['dst/', ''], ['dst/a/', ''], ['dst/a/f', 'x']]);
  assert.deepEqual(await entries(renameTop(tarOf([['f.txt', 'hello']]), 'g.txt')), [['g.txt', 'hello']]);
  assert.deepEqual(await entries(underTop(tarOf([['./'], ['./deep/'], ['./deep/x', 'y']]), 'tree')), [['tree/', ''], ['tree/deep/', ''], ['tree/deep/x', 'y']]);
});

test('cp: where a copy lands, by what is at the destination', () => {
  assert.deepEqual(copyRule('/d', 'src', true, true, true, false), { dir: '/d' });
  assert.deepEqual(copyRule('/d', 'src', true, true, true, true), { dir: '/d', rename: '.' });
  assert.deepEqual(copyRule('/d/new', 'src', true, false, false, false), { dir: '/d', rename: 'new' });
  assert.deepEqual(copyRule('/d/file', 'f.txt', false, false, true, false), { dir: '/d', rename: 'file' });
  assert.throws(() => copyRule('/d/file', 'src', true, false, true, false), /cannot copy a directory onto the file/);
  assert.throws(() => copyRule('/d/new/', 'f.txt', false, false, false, false), /does not exist/);
});
