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
