// Pure parts of berth's network code: the nftables scripts that isolate networks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isolateScript, releaseScript } from '../../src/network/isolation.js';

test('isolation: one atomic script sets the chains up again and adds each bridge to both sets', () => {
  const s = isolateScript(['br-0123456789ab']).split('\n');
  // Rules are flushed before they are added, so running it twice never doubles them.
  assert.ok(s.indexOf('flush chain inet berth forward') < s.findIndex((l) => l.startsWith('add rule inet berth forward')));
  assert.ok(s.includes('add rule inet berth cross drop'));
  assert.ok(s.includes('add element inet berth bridges { "br-0123456789ab" }'));
  assert.ok(s.includes('add element inet berth same { "br-0123456789ab" . "br-0123456789ab" }'));
});

test('isolation: releasing adds before deleting (a bridge that was never added is no error) and touches no rule', () => {
  const s = releaseScript(['berth0']).split('\n');
  const add = s.indexOf('add element inet berth bridges { "berth0" }');
  const del = s.indexOf('delete element inet berth bridges { "berth0" }');
  assert.ok(add >= 0 && del > add);
  assert.ok(!s.some((l) => l.includes('flush') || l.includes('rule')));
});

test('isolation: interface names that could smuggle nft syntax are refused', () => {
  for (const bad of ['br" }; flush ruleset; #', 'a b', '', 'x'.repeat(16)]) assert.throws(() => isolateScript([bad]), /invalid interface name/, bad);
});

test('IPv6 addresses: parsed and written as RFC 5952 has them', async () => {
  const { bigToIp6, ip6ToBig, parseCidr6, formatCidr6, hostAt, overlaps6, randomUla } = await import('../../src/network/ipnet6.js');
  for (const [input, canonical] of [
    ['fd42:be27:7e57:0:0:0:0:1', 'fd42:be27:7e57::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:DB8:0000:0:0:0:0:0', '2001:db8::'],
    ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'],
    ['fe80::1:2', 'fe80::1:2'],
  ]) assert.equal(bigToIp6(ip6ToBig(input)), canonical, input);
  for (const bad of ['1::2::3', ':::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '1.2.3.4']) assert.throws(() => ip6ToBig(bad), /invalid IPv6 address/, bad);
  assert.equal(formatCidr6(parseCidr6('fd42:be27:7e57:9::5/64')), 'fd42:be27:7e57:9::/64');
  assert.equal(hostAt(parseCidr6('fd42:be27:7e57::/64'), 258), 'fd42:be27:7e57::102');
  assert.ok(overlaps6(parseCidr6('fd42::/16'), parseCidr6('fd42:be27::/32')));
  assert.ok(!overlaps6(parseCidr6('fd42:be27:7e57::/64'), parseCidr6('fd42:be27:7e58::/64')));
  assert.throws(() => parseCidr6('fd42::/129'), /invalid IPv6 subnet/);
  const ula = randomUla();
  assert.equal(ula.bits, 64);
  assert.match(formatCidr6(ula), /^fd[0-9a-f]{2}:/);
  assert.ok(overlaps6(parseCidr6('fd00::/8'), ula));
});

test('host routes from /proc/net/route: little-endian hex into CIDRs, the default route left out', async () => {
  const { parseProcRoute } = await import('../../src/platform/netns.js');
  const text = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    'berth0\t0000570A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
    'br-cf79902baf8c\t0001590A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    '',
  ].join('\n');
  assert.deepEqual(parseProcRoute(text), [
    { iface: 'berth0', subnet: '10.87.0.0/16' },
    { iface: 'br-cf79902baf8c', subnet: '10.89.1.0/24' },
    { iface: 'eth0', subnet: '192.0.2.0/24' },
  ]);
});
