// The remote backend (berth -H) for networks, volumes and the container commands that manage a
// container's files, limits and resources: each run against `berth system service` on a socket
// in the sandbox, its effects checked through the local engine, which must agree.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, type RunResult, type Sandbox } from '../helpers/berth.js';
import { serviceFixture } from '../helpers/server.js';

const IMG = 'test/remotebox:1';
const fx = serviceFixture('berth-remote-', IMG);
let sb: Sandbox;
let work: string;
let sock: string;

/** berth -H unix://SOCK ARGS */
const remote = (args: string[]) => ['-H', `unix://${sock}`, ...args];
const rrun = (args: string[], opts?: { input?: string | Buffer }): Promise<RunResult> => sb.run(remote(args), opts);
const rok = (args: string[], opts?: { input?: string | Buffer }): Promise<string> => ok(sb, remote(args), opts);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A command's stdout as bytes (a tar). */
function runBytes(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const child = sb.spawn(args);
  const out: Buffer[] = [];
  let err = '';
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err })));
}

/** A command's output for `ms` milliseconds (it is stopped then). */
async function runFor(args: string[], ms: number): Promise<string> {
  const child = sb.spawn(args);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.on('close', r));
  await sleep(ms);
  child.kill('SIGTERM');
  await exited;
  return out;
}

before(async () => {
  await fx.ready();
  ({ sb, work, sock } = fx);
});

describe('networks over -H', () => {
  test('create, ls, inspect, --ignore, connect and disconnect a running container, rm, prune', async () => {
    const id = (await rok(['network', 'create', '--subnet', '10.231.7.0/24', '--ip-range', '10.231.7.128/25', '--label', 'team=a', '-o', 'mtu=1400', 'rnet'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    // the local engine has it, as the remote one describes it
    const [local] = JSON.parse(await ok(sb, ['network', 'inspect', 'rnet']));
    const [there] = JSON.parse(await rok(['network', 'inspect', 'rnet']));
    assert.equal(local.Id, id);
    assert.deepEqual(there, local);
    assert.deepEqual(local.IPAM.Config, [{ Subnet: '10.231.7.0/24', Gateway: '10.231.7.1', IPRange: '10.231.7.128/25' }]);
    assert.deepEqual(local.Labels, { team: 'a' });
    assert.deepEqual(local.Options, { mtu: '1400' });
    assert.equal((await rok(['network', 'create', '--ignore', 'rnet'])).trim(), id, '--ignore prints the existing one');
    const dup = await rrun(['network', 'create', 'rnet']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);

    const fmt = ['--format', '{{.ID}} {{.Name}} {{.Driver}} {{.Labels}}', '--filter', 'name=rnet'];
    assert.equal(await rok(['network', 'ls', ...fmt]), `${id.slice(0, 12)} rnet bridge team=a\n`);
    assert.equal(await ok(sb, ['network', 'ls', ...fmt]), await rok(['network', 'ls', ...fmt]));
    assert.match(await rok(['network', 'ls', '-q', '--no-trunc']), new RegExp(`^${id}$`, 'm'));

    await ok(sb, ['run', '-d', '--name', 'netc', IMG, 'sleep', '120']);
    await rok(['network', 'connect', '--alias', 'web', '--ip', '10.231.7.200', 'rnet', 'netc']);
    assert.match(await ok(sb, ['exec', 'netc', 'ip', '-o', '-4', 'addr']), /inet 10\.231\.7\.200\/24/, 'joined while running');
    const ep = JSON.parse(await ok(sb, ['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'netc'])).rnet;
    assert.equal(ep.IPAddress, '10.231.7.200');
    assert.ok(ep.Aliases.includes('web'));
    assert.equal(Object.keys(JSON.parse(await rok(['network', 'inspect', 'rnet']))[0].Containers).length, 1);
    const busy = await rrun(['network', 'rm', 'rnet']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /has active endpoints \(netc\)/);
    await rok(['network', 'disconnect', 'rnet', 'netc']);
    assert.doesNotMatch(await ok(sb, ['exec', 'netc', 'ip', '-o', '-4', 'addr']), /10\.231\.7\./, 'left while running');
    const again = await rrun(['network', 'disconnect', 'rnet', 'netc']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is not connected to network rnet/);
    await ok(sb, ['rm', '-f', 'netc']);

    assert.equal(await rok(['network', 'rm', 'rnet']), 'rnet\n');
    assert.equal((await ok(sb, ['network', 'ls', '-q', '--filter', 'name=rnet'])).trim(), '');
    const missing = await rrun(['network', 'inspect', 'rnet']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /network rnet not found/);

    await rok(['network', 'create', 'unused1']);
    await rok(['network', 'create', '--internal', 'unused2']);
    assert.equal((await ok(sb, ['network', 'inspect', '-f', '{{.Internal}}', 'unused2'])).trim(), 'true');
    const pruned = await rok(['network', 'prune', '-f']);
    assert.deepEqual(pruned.split('\n').slice(1).filter(Boolean).sort(), ['unused1', 'unused2']);
    assert.match(pruned, /^Deleted Networks:\n/);
    assert.equal((await ok(sb, ['network', 'ls', '--format', '{{.Name}}'])).trim(), 'bridge');
  });
});

describe('volumes over -H', () => {
  test('create, ls with filters, inspect, rm of one in use, prune', async () => {
    assert.equal(await rok(['volume', 'create', '--label', 'team=b', 'rvol']), 'rvol\n');
    const unnamed = (await rok(['volume', 'create'])).trim();
    assert.match(unnamed, /^[0-9a-f]{64}$/);
    // an anonymous volume: a container's, left behind by its rm
    await ok(sb, ['create', '--name', 'anonc', '-v', '/scratch', IMG]);
    const anon = (await ok(sb, ['volume', 'ls', '-q'])).trim().split('\n').find((v) => v !== unnamed && v !== 'rvol')!;
    assert.match(anon, /^[0-9a-f]{64}$/);
    await ok(sb, ['rm', 'anonc']);
    const [local] = JSON.parse(await ok(sb, ['volume', 'inspect', 'rvol']));
    assert.deepEqual(JSON.parse(await rok(['volume', 'inspect', 'rvol'])), [local]);
    assert.deepEqual(local.Labels, { team: 'b' });
    assert.equal(local.Driver, 'local');
    assert.equal(await rok(['volume', 'ls', '--filter', 'label=team=b', '--format', '{{.Driver}} {{.Name}} {{.Labels}}']), 'local rvol team=b\n');
    assert.deepEqual((await rok(['volume', 'ls', '-q'])).trim().split('\n').sort(), [anon, unnamed, 'rvol'].sort());
    assert.equal(await rok(['volume', 'ls', '-q']), await ok(sb, ['volume', 'ls', '-q']));

    await ok(sb, ['run', '--name', 'volc', '-v', 'rvol:/data', IMG, 'sh', '-c', 'echo kept > /data/f']);
    assert.equal(await rok(['volume', 'ls', '-q', '--filter', 'dangling=false']), 'rvol\n');
    const inUse = await rrun(['volume', 'rm', 'rvol']);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /in use/);
    await ok(sb, ['rm', 'volc']);
    assert.equal(readFileSync(join(local.Mountpoint, 'f'), 'utf8'), 'kept\n');

    // prune: anonymous volumes only, then (-a) named ones too
    const first = await rok(['volume', 'prune', '-f']);
    assert.equal(first, `Deleted Volumes:\n${anon}\n\nTotal reclaimed space: 0B\n`);
    assert.deepEqual((await ok(sb, ['volume', 'ls', '-q'])).trim().split('\n').sort(), [unnamed, 'rvol'].sort());
    const all = await rok(['volume', 'prune', '-f', '-a']);
    assert.deepEqual(all.split('\n').slice(1, 3).sort(), [unnamed, 'rvol'].sort());
    assert.match(all, /^Deleted Volumes:\n(.+\n){2}\nTotal reclaimed space: 0B\n$/);
    assert.equal(await ok(sb, ['volume', 'ls', '-q']), '');
    const gone = await rrun(['volume', 'rm', 'rvol']);
    assert.equal(gone.code, 1);
    assert.equal((await rrun(['volume', 'rm', '-f', 'rvol'])).code, 0, '-f: a missing volume is no error');
  });
});

describe('a container\'s files over -H', () => {
  test('diff, export to a file and to stdout', async () => {
    await ok(sb, ['run', '-d', '--name', 'files', IMG, 'sh', '-c', 'mkdir -p /data/sub && echo inside > /data/sub/f.txt && rm /bin/true && sleep 120']);
    for (let i = 0; i < 50 && (await sb.run(['exec', 'files', 'test', '-f', '/data/sub/f.txt'])).code !== 0; i++) await sleep(100);
    for (let i = 0; i < 50 && (await sb.run(['exec', 'files', 'test', '-e', '/bin/true'])).code === 0; i++) await sleep(100);
    const diff = await rok(['diff', 'files']);
    assert.equal(diff, await ok(sb, ['diff', 'files']));
    assert.deepEqual(diff.trim().split('\n'), ['C /bin', 'D /bin/true', 'A /data', 'A /data/sub', 'A /data/sub/f.txt']);

    const tarOut = join(work, 'export.tar');
    await rok(['export', '-o', tarOut, 'files']);
    const listing = execFileSync('tar', ['-tf', tarOut]).toString();
    assert.match(listing, /^\.\/data\/sub\/f\.txt$/m);
    assert.match(listing, /^\.\/bin\/busybox$/m);
    assert.doesNotMatch(listing, /^\.\/bin\/true$/m);
    const viaStdout = await runBytes(remote(['export', 'files']));
    assert.equal(viaStdout.code, 0, viaStdout.stderr);
    assert.equal(execFileSync('tar', ['-tf', '-'], { input: viaStdout.stdout }).toString(), listing, 'the same archive on stdout');
  });

  test('cp out of the container: a tree, a file under a new name, -L, and a tar on stdout', async () => {
    const out = join(work, 'cp-out');
    mkdirSync(out);
    await rok(['cp', 'files:/data', out]);
    assert.equal(readFileSync(join(out, 'data/sub/f.txt'), 'utf8'), 'inside\n');
    await rok(['cp', 'files:/data/sub/f.txt', join(out, 'renamed.txt')]);
    assert.equal(readFileSync(join(out, 'renamed.txt'), 'utf8'), 'inside\n');
    mkdirSync(join(out, 'contents'));
    await rok(['cp', 'files:/data/.', join(out, 'contents')]);
    assert.equal(readFileSync(join(out, 'contents/sub/f.txt'), 'utf8'), 'inside\n', 'SRC/. copies the contents');
    // a symlink is copied as a link, or (-L) as what it points to
    await ok(sb, ['exec', 'files', 'ln', '-s', 'sub/f.txt', '/data/link']);
    await rok(['cp', 'files:/data/link', join(out, 'link')]);
    assert.equal(readlinkSync(join(out, 'link')), 'sub/f.txt');
    await rok(['cp', '-L', 'files:/data/link', join(out, 'followed')]);
    assert.ok(lstatSync(join(out, 'followed')).isFile());
    assert.equal(readFileSync(join(out, 'followed'), 'utf8'), 'inside\n');
    const tar = await runBytes(remote(['cp', 'files:/data/sub', '-']));
    assert.equal(tar.code, 0, tar.stderr);
    assert.deepEqual(execFileSync('tar', ['-tf', '-'], { input: tar.stdout }).toString().trim().split('\n').sort(), ['sub/', 'sub/f.txt']);
    const missing = await rrun(['cp', 'files:/no/such', out]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Could not find the file \/no\/such in container files/);
    const noContainer = await rrun(['cp', 'nosuch:/data', out]);
    assert.equal(noContainer.code, 1);
    assert.match(noContainer.stderr, /No such container: nosuch/);
  });

  test('cp into the container: into a directory, under a new name, contents, through a symlink, -a, a tar on stdin', async () => {
    const src = join(work, 'cp-in');
    mkdirSync(join(src, 'tree/deep'), { recursive: true });
    writeFileSync(join(src, 'host.txt'), 'from host\n');
    writeFileSync(join(src, 'tree/deep/x.txt'), 'x\n');
    execFileSync('chown', ['-R', '1234:2345', join(src, 'tree')]);
    await rok(['cp', join(src, 'host.txt'), 'files:/data/sub/']);
    assert.equal(await ok(sb, ['exec', 'files', 'cat', '/data/sub/host.txt']), 'from host\n');
    await rok(['cp', join(src, 'host.txt'), 'files:/data/other.txt']);
    assert.equal(await ok(sb, ['exec', 'files', 'cat', '/data/other.txt']), 'from host\n');
    await rok(['cp', join(src, 'tree'), 'files:/data/newtree']);
    assert.equal(await ok(sb, ['exec', 'files', 'cat', '/data/newtree/deep/x.txt']), 'x\n');
    await ok(sb, ['exec', 'files', 'mkdir', '/data/into']);
    await rok(['cp', join(src, 'tree') + '/.', 'files:/data/into']);
    assert.equal(await ok(sb, ['exec', 'files', 'cat', '/data/into/deep/x.txt']), 'x\n', 'SRC/. copies the contents');
    // owners: root's without -a, the host's with it
    assert.equal((await ok(sb, ['exec', 'files', 'stat', '-c', '%u:%g', '/data/newtree/deep/x.txt'])).trim(), '0:0');
    await rok(['cp', '-a', join(src, 'tree'), 'files:/data/owned']);
    assert.equal((await ok(sb, ['exec', 'files', 'stat', '-c', '%u:%g', '/data/owned/deep/x.txt'])).trim(), '1234:2345');
    // A symlink in the container pointing at / resolves inside the container, never on the host.
    await ok(sb, ['exec', 'files', 'ln', '-s', '/', '/data/escape']);
    await rok(['cp', join(src, 'host.txt'), 'files:/data/escape/tmp/']);
    assert.equal(await ok(sb, ['exec', 'files', 'cat', '/tmp/host.txt']), 'from host\n');
    assert.equal(statSync('/tmp/host.txt', { throwIfNoEntry: false }), undefined);
    const tar = execFileSync('tar', ['-C', join(src, 'tree'), '-c', '.']);
    await ok(sb, ['exec', 'files', 'mkdir', '/data/fromtar']);
    await rok(['cp', '-', 'files:/data/fromtar'], { input: tar });
    assert.equal(await ok(sb, ['exec', 'files', 'cat', '/data/fromtar/deep/x.txt']), 'x\n');
    // what the remote copies made, the local diff sees
    const diff = await ok(sb, ['diff', 'files']);
    for (const p of ['A /data/other.txt', 'A /data/newtree/deep/x.txt', 'A /data/owned', 'A /data/fromtar/deep/x.txt', 'A /tmp/host.txt']) assert.match(diff, new RegExp(`^${p}$`, 'm'));
    await ok(sb, ['rm', '-f', 'files']);
  });
});

describe('limits and resources over -H', () => {
  test('stats --no-stream, streaming stats, update', async () => {
    await ok(sb, ['run', '-d', '--name', 'mgmt', '--memory', '100m', IMG, 'sleep', '120']);
    const one = await rok(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}} {{.Container}}', 'mgmt']);
    assert.match(one, /^mgmt \d+(\.\d+)?[KM]iB \/ 100MiB 1 mgmt\n$/);
    const table = await rok(['stats', '--no-stream']);
    assert.match(table, /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS\n[0-9a-f]{12} +mgmt +\d+\.\d\d% +\S+ \/ 100MiB +\d+\.\d\d% +0B \/ 0B +\S+ \/ \S+ +1\n$/);
    // a busy container: its CPU share over the interval, as docker's CLI works it out
    await ok(sb, ['run', '-d', '--name', 'spin', IMG, 'sh', '-c', 'while :; do :; done']);
    const busy = await rok(['stats', '--no-stream', '--format', '{{.CPUPerc}}', 'spin']);
    assert.ok(Number.parseFloat(busy) > 40, `a spinning shell shows its CPU: ${busy}`);
    await ok(sb, ['rm', '-f', 'spin']);
    const frames = await runFor(remote(['stats', '--format', '{{.Name}} {{.PIDs}}', 'mgmt']), 2800);
    const lines = frames.trim().split('\n');
    assert.ok(lines.length >= 2, `a frame a second: ${frames}`);
    for (const l of lines) assert.equal(l, 'mgmt 1');

    assert.equal(await rok(['update', '-m', '200m', '--restart', 'on-failure:3', 'mgmt']), 'mgmt\n');
    assert.match(await ok(sb, ['stats', '--no-stream', '--format', '{{.MemUsage}}', 'mgmt']), /\/ 200MiB/);
    const hc = JSON.parse(await ok(sb, ['inspect', '-f', '{{json .HostConfig}}', 'mgmt']));
    assert.equal(hc.Memory, 200 * 1024 * 1024);
    assert.deepEqual(hc.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
    const none = await rrun(['update', 'mgmt']);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /one or more flags/);
    const missing = await rrun(['stats', '--no-stream', 'mgmt', 'nosuch']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such container: nosuch/);
    await ok(sb, ['rm', '-f', 'mgmt']);
  });

  test('container prune with a label filter', async () => {
    await ok(sb, ['create', '--name', 'keep', IMG]);
    const goneId = (await ok(sb, ['create', '--name', 'gone', '--label', 'prune=yes', IMG])).trim();
    await ok(sb, ['run', '-d', '--name', 'running', '--label', 'prune=yes', IMG, 'sleep', '120']);
    assert.equal(await rok(['container', 'prune', '-f', '--filter', 'label=prune=yes']), `Deleted Containers:\n${goneId}\n\nTotal reclaimed space: 0B\n`);
    assert.deepEqual((await ok(sb, ['ps', '-a', '--format', '{{.Names}}'])).trim().split('\n').sort(), ['keep', 'running']);
    const bad = await rrun(['container', 'prune', '-f', '--filter', 'bogus=1']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid filter 'bogus'/);
    const keepId = (await ok(sb, ['inspect', '-f', '{{.Id}}', 'keep'])).trim();
    assert.equal(await rok(['container', 'prune', '-f']), `Deleted Containers:\n${keepId}\n\nTotal reclaimed space: 0B\n`);
    assert.equal(await ok(sb, ['ps', '-a', '--format', '{{.Names}}']), 'running\n', 'a running container stays');
    await ok(sb, ['rm', '-f', 'running']);
  });
});

describe('events over -H', () => {
  test('what happened between --since and --until, filtered, as docker prints it and as JSON', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const id = (await ok(sb, ['create', '--name', 'evented', IMG])).trim();
    await ok(sb, ['rm', 'evented']);
    const lines = (await rok(['events', '--since', since, '--until', '0s', '--filter', 'container=evented'])).trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(' ')[2]), ['create', 'destroy']);
    assert.match(lines[0], new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z container create ${id} \\(name=evented, image=test/remotebox:1\\)$`));
    // the same lines the local engine prints
    assert.deepEqual(lines, (await ok(sb, ['events', '--since', since, '--until', '0s', '--filter', 'container=evented'])).trim().split('\n'));
    const json = JSON.parse(await rok(['events', '--since', since, '--until', '0s', '--filter', 'event=destroy', '--filter', 'container=evented', '--format', '{{json .}}']));
    assert.equal(json.Action, 'destroy');
    assert.equal(json.Actor.ID, id);
    assert.equal(json.Type, 'container');
  });

  test('a live stream shows what happens while it runs, and --until ends it', async () => {
    const child = sb.spawn(remote(['events', '--filter', 'type=volume', '--format', '{{.Type}} {{.Action}} {{.Actor.ID}}']));
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.on('close', r));
    await sleep(800);
    await ok(sb, ['volume', 'create', 'evvol']);
    await ok(sb, ['volume', 'rm', 'evvol']);
    for (let i = 0; i < 50 && !out.includes('destroy'); i++) await sleep(100);
    child.kill('SIGTERM');
    await exited;
    assert.equal(out, 'volume create evvol\nvolume destroy evvol\n');
    // --until a moment from now: the stream ends by itself then
    const t0 = Date.now();
    await rok(['events', '--until', String(Math.floor(Date.now() / 1000) + 2)]);
    assert.ok(Date.now() - t0 < 8000);
  });
});

describe('what has no Engine API stays local', () => {
  test('pods, kube, generate systemd, healthcheck run, container cleanup, system service, cri and port-forward are refused under -H', async () => {
    const cases = [
      ['pod', 'ls'],
      ['pod', 'create', 'p'],
      ['pod', 'stats', '--no-stream'],
      ['kube', 'generate', 'x'],
      ['kube', 'play', '-'],
      ['generate', 'systemd', 'x'],
      ['healthcheck', 'run', 'x'],
      ['container', 'cleanup', 'x'],
      ['system', 'service', `unix://${join(sb.dir, 'second.sock')}`],
      ['system', 'cri'],
      ['system', 'port-forward', '127.0.0.1', '80'],
    ];
    for (const args of cases) {
      const r = await rrun(args, { input: 'apiVersion: v1\n' });
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, new RegExp(`"berth ${args.slice(0, 2).join(' ')}" works on this host's engine only, not on a remote one \\(unix://`), args.join(' '));
    }
  });
});
