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
