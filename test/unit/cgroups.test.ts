import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCgroupMode } from '../../src/platform/cgroups.js';

const line = (id: number, mount: string, fs: string) => `${id} 1 0:${id} / ${mount} rw,relatime - ${fs} ${fs} rw`;

test('cgroup mode from mountinfo: unified, hybrid (this host), legacy', () => {
  assert.deepEqual(parseCgroupMode([line(30, '/sys/fs/cgroup', 'cgroup2')].join('\n')), { version: 2, mode: 'unified' });
  const hybrid = [line(31, '/sys/fs/cgroup', 'tmpfs'), line(32, '/sys/fs/cgroup/cpu', 'cgroup'), line(33, '/sys/fs/cgroup/unified', 'cgroup2')];
  assert.deepEqual(parseCgroupMode(hybrid.join('\n')), { version: 1, mode: 'hybrid' });
  assert.deepEqual(parseCgroupMode(hybrid.slice(0, 2).join('\n')), { version: 1, mode: 'legacy' });
});

test('the cgroup v2 subtree systemd delegates to a user', async () => {
  const { delegatedBase } = await import('../../src/platform/cgroups.js');
  assert.equal(delegatedBase('0::/user.slice/user-1001.slice/user@1001.service/app.slice/berth.scope\n', 1001), '/user.slice/user-1001.slice/user@1001.service');
  assert.equal(delegatedBase('0::/user.slice/user-1001.slice/session-3.scope\n', 1001), undefined);
  assert.equal(delegatedBase('12:pids:/\n0::/user.slice/user-1002.slice/user@1002.service\n', 1001), undefined);
  assert.equal(delegatedBase('12:pids:/user.slice\n', 1001), undefined);
});
