import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError, type FlagSpec } from '../../src/cli/args.js';

const specs: FlagSpec[] = [
  { name: 'all', short: 'a', type: 'bool', help: '' },
  { name: 'quiet', short: 'q', type: 'bool', help: '' },
  { name: 'filter', short: 'f', type: 'strings', help: '' },
  { name: 'format', type: 'string', help: '' },
  { name: 'time', short: 't', type: 'int', help: '' },
];

test('flags parse as pflag does', () => {
  const p = parseArgs(['-aq', '--filter', 'a=b', '-fc=d', '--format={{.ID}}', 'img', '-t', '5', '--', '-x'], specs, 'images');
  assert.deepEqual(p.flags, { all: true, quiet: true, filter: ['a=b', 'c=d'], format: '{{.ID}}', time: 5 });
  assert.deepEqual(p.args, ['img', '-x']);
  assert.equal(parseArgs(['--all=false'], specs, 'x').flags.all, false);
  assert.deepEqual(parseArgs(['img', '-a', 'cmd'], specs, 'x', false).args, ['img', '-a', 'cmd']);
});

test('bad flags are usage errors', () => {
  assert.throws(() => parseArgs(['--nope'], specs, 'images'), (e: unknown) => e instanceof UsageError && /unknown flag: --nope/.test(e.message));
  assert.throws(() => parseArgs(['-z'], specs, 'images'), /unknown shorthand flag: 'z' in -z/);
  assert.throws(() => parseArgs(['--format'], specs, 'images'), /flag needs an argument/);
  assert.throws(() => parseArgs(['-t', 'x'], specs, 'images'), /invalid argument "x"/);
});
