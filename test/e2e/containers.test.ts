// Containers end to end with real runc under conmon, on an image made from busybox-static.
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxEntries, makeTar, BUSYBOX_PATH } from '../helpers/fixtures.js';
import { BERTH, ok, sandboxes, type Sandbox } from '../helpers/berth.js';

const boxes = sandboxes();
let sb: Sandbox;
let work: string;
const IMG = 'test/busybox:1';

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-ctr-'));
  const { tar } = await makeTar([
    ...busyboxEntries(readFileSync(BUSYBOX_PATH), { passwd: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n', group: 'root:x:0:\napp:x:1000:\nextra:x:2000:app\n' }),
    { path: 'home/app/', type: 'directory', uid: 1000, gid: 1000 },
  ]);
  writeFileSync(join(work, 'rootfs.tar'), tar);
  sb = boxes.fresh();
  await ok(sb, ['import', '-c', 'CMD ["sh"]', '-c', 'ENV FROM_IMAGE=yes', join(work, 'rootfs.tar'), IMG]);
});

after(async () => {
  // Remove every container (and so every mount and monitor) the tests made.
  if (sb) {
    const ids = (await sb.run(['ps', '-aq', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean);
    if (ids.length) await sb.run(['rm', '-f', ...ids]);
  }
  boxes.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('run in the foreground', () => {
  test('stdout and stderr stay apart, the exit code is the container\'s, --rm removes it', async () => {
    const r = await sb.run(['run', '--rm', IMG, 'sh', '-c', 'echo out; echo err >&2; echo $FROM_IMAGE; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\nyes\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
  });

  test('events: every berth process records what it did; events --since/--until/--filter reads them', async () => {
    await ok(sb, ['run', '--rm', '--name', 'evented', IMG, 'true']);
    const lines = (await ok(sb, ['events', '--since', '5m', '--until', '0s', '--filter', 'container=evented'])).trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(' ')[2]), ['create', 'start', 'die', 'destroy']);
    assert.match(lines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z container create [0-9a-f]{64} \(name=evented, image=test\/busybox:1\)$/);
    const json = (await ok(sb, ['events', '--since', '5m', '--until', '0s', '--filter', 'event=destroy', '--filter', 'container=evented', '--format', '{{json .}}'])).trim();
    assert.equal(JSON.parse(json).Action, 'destroy');
  });

  test('exit codes: 125 for berth, 127 for a missing command, 126 for one that cannot run', async () => {
    const missing = await sb.run(['run', '--rm', IMG, 'no-such-command']);
    assert.equal(missing.code, 127, missing.stderr);
    assert.match(missing.stderr, /executable file not found/);
    const notExec = await sb.run(['run', '--rm', IMG, '/etc/passwd']);
    assert.equal(notExec.code, 126, notExec.stderr);
    const badFlag = await sb.run(['run', '--bogus', IMG]);
    assert.equal(badFlag.code, 125);
    const noImage = await sb.run(['run', '--pull', 'never', 'no/such:image', 'true']);
    assert.equal(noImage.code, 125);
    assert.match(noImage.stderr, /No such image: no\/such:image/);
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '', 'failed runs with --rm leave nothing');
  });

  test('user, workdir, env, hostname, entrypoint are applied', async () => {
    // busybox-static resolves no names, so ids are compared as numbers.
    const out = await ok(sb, ['run', '--rm', '-u', 'app', '-w', '/home/app', '-e', 'A=1', '--hostname', 'boat', IMG, 'sh', '-c', 'id -u; id -g; id -G; pwd; echo $A $HOME; hostname']);
    assert.equal(out, '1000\n1000\n1000 2000\n/home/app\n1 /home/app\nboat\n');
    assert.equal(await ok(sb, ['run', '--rm', '-u', '1000:2000', IMG, 'sh', '-c', 'id -u; id -g']), '1000\n2000\n');
    const nouser = await sb.run(['run', '--rm', '-u', 'ghost', IMG, 'true']);
    assert.equal(nouser.code, 125);
    assert.match(nouser.stderr, /unable to find user ghost/);
    assert.equal(await ok(sb, ['run', '--rm', '--entrypoint', 'echo', IMG, 'from', 'entrypoint']), 'from entrypoint\n');
  });
});

describe('attached I/O', () => {
  test('-i passes stdin through the attach socket; output and exit code come back', async () => {
    const r = await sb.run(['run', '--rm', '-i', IMG, 'sh', '-c', 'cat; echo to-err >&2; exit 2'], { input: 'line one\nline two\n' });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, 'line one\nline two\n');
    assert.equal(r.stderr, 'to-err\n');
  });

  test('-it runs a shell on a real pty (driven through script(1))', async () => {
    const { spawn } = await import('node:child_process');
    const cmd = [BERTH, '--root', sb.root, '--runroot', sb.runroot, 'run', '--rm', '-it', IMG, 'sh'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: sb.env, cwd: process.cwd(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.write('tty; echo "term=$TERM"\n');
    child.stdin.write('exit 5\n');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 5, out);
    assert.match(out, /\/dev\/pts\/0/);
    assert.match(out, /term=xterm/);
  });

  test('attach to a running container; start -a of a stopped one; --log-driver none', async () => {
    await ok(sb, ['run', '-d', '--name', 'att', IMG, 'sh', '-c', 'sleep 2; echo attached-out; echo attached-err >&2; exit 6']);
    const r = await sb.run(['attach', 'att']);
    assert.equal(r.code, 6);
    assert.equal(r.stdout, 'attached-out\n');
    assert.equal(r.stderr, 'attached-err\n');
    const again = await sb.run(['start', '-a', 'att']);
    assert.equal(again.code, 6);
    assert.equal(again.stdout, 'attached-out\n');
    const stopped = await sb.run(['attach', 'att']);
    assert.equal(stopped.code, 1);
    assert.match(stopped.stderr, /You cannot attach to a stopped container/);
    await ok(sb, ['rm', 'att']);
    await ok(sb, ['run', '-d', '--name', 'nolog', '--log-driver', 'none', IMG, 'echo', 'x']);
    const logs = await sb.run(['logs', 'nolog']);
    assert.equal(logs.code, 1);
    assert.match(logs.stderr, /does not support reading/);
    await ok(sb, ['rm', '-f', 'nolog']);
  });

  test('logs -f follows a detached container until it exits; --tail and -t', async () => {
    await ok(sb, ['run', '-d', '--name', 'ticker', IMG, 'sh', '-c', 'for i in 1 2 3; do echo tick $i; sleep 0.2; done; echo done >&2']);
    const r = await sb.run(['logs', '-f', 'ticker']);
    assert.equal(r.stdout, 'tick 1\ntick 2\ntick 3\n');
    assert.equal(r.stderr, 'done\n');
    // --tail counts lines of both streams, as docker's does.
    assert.equal(await ok(sb, ['logs', '--tail', '2', 'ticker']), 'tick 3\n');
    assert.match(await ok(sb, ['logs', '-t', '--tail', '2', 'ticker']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d tick 3\n$/);
    await ok(sb, ['rm', 'ticker']);
  });
});

describe('secure defaults', () => {
  test('docker\'s capability set, seccomp on, no new privileges when asked, masked /proc paths', async () => {
    const status = await ok(sb, ['run', '--rm', IMG, 'cat', '/proc/self/status']);
    assert.match(status, /^CapEff:\s+00000000a80425fb$/m);
    assert.match(status, /^Seccomp:\s+2$/m);
    assert.match(status, /^NoNewPrivs:\s+0$/m);
    const nnp = await ok(sb, ['run', '--rm', '--security-opt', 'no-new-privileges', IMG, 'cat', '/proc/self/status']);
    assert.match(nnp, /^NoNewPrivs:\s+1$/m);
    const dropped = await ok(sb, ['run', '--rm', '--cap-drop', 'ALL', IMG, 'cat', '/proc/self/status']);
    assert.match(dropped, /^CapEff:\s+0000000000000000$/m);
    // Masked paths read as empty (those this kernel has).
    assert.equal(await ok(sb, ['run', '--rm', IMG, 'sh', '-c', 'cat /proc/keys | wc -c; ls /proc/acpi | wc -l']), '0\n0\n');
    const sysrq = await sb.run(['run', '--rm', IMG, 'sh', '-c', 'echo h > /proc/sysrq-trigger']);
    assert.notEqual(sysrq.code, 0, '/proc/sysrq-trigger is read-only');
    const chown = await sb.run(['run', '--rm', '--cap-drop', 'CHOWN', IMG, 'chown', '1000', '/tmp']);
    assert.notEqual(chown.code, 0, 'chown refused without CAP_CHOWN');
    const unshare = await sb.run(['run', '--rm', IMG, 'unshare', '-U', 'true']);
    assert.notEqual(unshare.code, 0, 'no new user namespaces under the default seccomp profile');
    const unconfined = await ok(sb, ['run', '--rm', '--security-opt', 'seccomp=unconfined', IMG, 'cat', '/proc/self/status']);
    assert.match(unconfined, /^Seccomp:\s+0$/m);
  });

  test('--read-only and --tmpfs', async () => {
    const ro = await sb.run(['run', '--rm', '--read-only', IMG, 'touch', '/x']);
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr, /Read-only file system/);
    assert.equal(await ok(sb, ['run', '--rm', '--read-only', '--tmpfs', '/scratch', IMG, 'sh', '-c', 'echo ok > /scratch/f && cat /scratch/f']), 'ok\n');
  });

  test('limits are visible in the container\'s cgroup files', async () => {
    const mem = await ok(sb, ['run', '--rm', '-m', '64m', '--pids-limit', '50', IMG, 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max']);
    assert.deepEqual(mem.trim().split('\n'), ['67108864', '50']);
  });

  test('rlimits never above berth\'s own hard limits', async () => {
    const out = await ok(sb, ['run', '--rm', IMG, 'sh', '-c', 'ulimit -n']);
    const own = Number(/Max open files\s+\d+\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))![1]);
    assert.equal(Number(out.trim()), Math.min(own, 1048576));
  });
});

describe('detached containers', () => {
  test('run -d, ps, logs, exec, stop, start, rm', async () => {
    const id = (await ok(sb, ['run', '-d', '--name', 'web', '-l', 'role=test', IMG, 'sh', '-c', 'echo started; trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done'])).trim();
    assert.match(id, /^[a-f0-9]{64}$/);
    const ps = await ok(sb, ['ps', '--format', '{{.Names}} {{.State}} {{.Label "role"}}']);
    assert.equal(ps, 'web running test\n');
    const table = (await ok(sb, ['ps'])).split('\n');
    assert.match(table[0], /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    assert.match(table[1], /^[a-f0-9]{12}\s+test\/busybox:1\s+"sh -c echo started;…"\s+.+ ago\s+Up .+\s+web$/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await ok(sb, ['logs', 'web']), 'started\n');
    const exec = await sb.run(['exec', '-e', 'X=2', '-u', '1000', 'web', 'sh', '-c', 'echo $X $(id -u); exit 5']);
    assert.equal(exec.code, 5);
    assert.equal(exec.stdout, '2 1000\n');
    // exec -d returns at once and holds none of the caller's stdio (sb.run waits for stdout to close)
    const t0 = Date.now();
    const detached = await sb.run(['exec', '-d', 'web', 'sh', '-c', 'sleep 3; echo late; touch /tmp/exec-d-ran']);
    assert.equal(detached.code, 0, detached.stderr);
    assert.equal(detached.stdout, '');
    assert.ok(Date.now() - t0 < 2500, `exec -d took ${Date.now() - t0} ms`);
    const inspect = JSON.parse(await ok(sb, ['inspect', 'web']))[0];
    assert.equal(inspect.Id, id);
    assert.equal(inspect.Name, '/web');
    assert.equal(inspect.State.Running, true);
    assert.ok(inspect.State.Pid > 0);
    assert.equal(inspect.Config.Labels.role, 'test');
    assert.equal(await ok(sb, ['stop', 'web']), 'web\n');
    assert.equal(await ok(sb, ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'web']), 'exited 0\n');
    assert.match(await ok(sb, ['logs', 'web']), /started\nbye\n/);
    const rmRunning = await ok(sb, ['start', 'web']);
    assert.equal(rmRunning, 'web\n');
    const refused = await sb.run(['rm', 'web']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /container is running: stop the container before removing or force remove/);
    assert.equal(await ok(sb, ['rm', '-f', 'web']), 'web\n');
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
  });

  test('StdinOnce as docker sets it: only an attached run -i closes stdin when its client goes', async () => {
    await ok(sb, ['run', '-d', '-i', '--name', 'keeps-stdin', IMG, 'cat']);
    await ok(sb, ['create', '-i', '--name', 'created-i', IMG, 'cat']);
    assert.equal(await ok(sb, ['inspect', '-f', '{{.Config.OpenStdin}} {{.Config.StdinOnce}}', 'keeps-stdin', 'created-i']), 'true false\ntrue false\n');
    // An attached run -i ends when its input does: the container's stdin closed with the client's.
    assert.equal(await ok(sb, ['run', '--rm', '-i', IMG, 'cat'], { input: 'piped\n' }), 'piped\n');
    await ok(sb, ['rm', '-f', 'keeps-stdin', 'created-i']);
  });

  test('the monitor gets the environment it needs, not the caller\'s; a store path that is not ASCII works without a locale', async () => {
    const id = (await ok(sb, ['run', '-d', IMG, 'sleep', '60'], { env: { BERTH_TEST_MARK: 'kept', UNRELATED_TO_BERTH: 'dropped', LANG: 'C.UTF-8' } })).trim();
    const monitor = Number(readFileSync(join(sb.runroot, 'containers', id, 'conmon.pid'), 'utf8'));
    const env = readFileSync(`/proc/${monitor}/environ`, 'utf8').split('\0').filter(Boolean);
    assert.ok(env.includes('BERTH_TEST_MARK=kept'), env.join(' '));
    assert.ok(env.some((e) => e.startsWith('PATH=')), env.join(' '));
    for (const k of ['UNRELATED_TO_BERTH', 'LANG', 'NOTIFY_SOCKET']) assert.ok(!env.some((e) => e.startsWith(`${k}=`)), `${k} reached the monitor`);
    await ok(sb, ['rm', '-f', id]);
    // conmon's GLib reads arguments in the locale's charset: with no locale, a path with a
    // non-ASCII letter made conmon fail before it created the container.
    const bare = { PATH: process.env.PATH, HOME: sb.dir, BERTH_CONFIG: sb.configFile };
    const store = ['--root', join(work, 'störe'), '--runroot', join(work, 'rün')];
    const berth = (args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        execFile(BERTH, [...store, ...args], { env: bare }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }));
      });
    assert.equal((await berth(['import', join(work, 'rootfs.tar'), IMG])).code, 0);
    assert.deepEqual(await berth(['run', '--rm', '--network', 'none', IMG, 'echo', 'grüße']), { code: 0, out: 'grüße\n' });
  });

  test('a name conflict is refused with code 125', async () => {
    await ok(sb, ['create', '--name', 'dup', IMG, 'true']);
    const r = await sb.run(['create', '--name', 'dup', IMG, 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /The container name "\/dup" is already in use/);
    await ok(sb, ['rm', 'dup']);
  });

  test('wait returns the exit code; kill -s; a container survives the berth that started it', async () => {
    await ok(sb, ['run', '-d', '--name', 'waiter', IMG, 'sh', '-c', 'sleep 0.5; exit 9']);
    assert.equal(await ok(sb, ['wait', 'waiter']), '9\n');
    // PID 1 ignores signals it has no handler for, so the container traps TERM itself.
    await ok(sb, ['run', '-d', '--name', 'killme', IMG, 'sh', '-c', 'trap "exit 143" TERM; while :; do sleep 0.1; done']);
    assert.match(await ok(sb, ['ps', '--format', '{{.Status}}', '--filter', 'name=^killme$']), /^Up /);
    await ok(sb, ['kill', '-s', 'TERM', 'killme']);
    assert.equal(await ok(sb, ['wait', 'killme']), '143\n');
    await ok(sb, ['rm', 'waiter', 'killme']);
  });

  test('20 `run -d` at once from separate processes: all succeed, unique names, no lost records', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => sb.run(['run', '-d', IMG, 'sleep', '30'])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const names = (await ok(sb, ['ps', '--format', '{{.Names}}'])).trim().split('\n');
    assert.equal(names.length, 20);
    assert.equal(new Set(names).size, 20);
    const ids = results.map((r) => r.stdout.trim());
    await ok(sb, ['rm', '-f', ...ids]);
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
  });

  test('restart policy on-failure:2 restarts twice, then leaves it exited', async () => {
    await ok(sb, ['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', IMG, 'sh', '-c', 'exit 1']);
    const deadline = Date.now() + 15_000;
    let info = '';
    while (Date.now() < deadline) {
      info = await ok(sb, ['inspect', '-f', '{{.RestartCount}} {{.State.Status}}', 'flaky']);
      if (info === '2 exited\n') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(info, '2 exited\n');
    await ok(sb, ['rm', 'flaky']);
  });

  test('rmi refuses an image a container uses', async () => {
    await ok(sb, ['create', '--name', 'user-of-image', IMG, 'true']);
    const r = await sb.run(['rmi', IMG]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /image is being used by container/);
    await ok(sb, ['rm', 'user-of-image']);
  });

  test('bind mounts, read-only ones too', async () => {
    const dir = join(work, 'shared');
    (await import('node:fs')).mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'in.txt'), 'from host\n');
    assert.equal(await ok(sb, ['run', '--rm', '-v', `${dir}:/data`, IMG, 'sh', '-c', 'cat /data/in.txt; echo back > /data/out.txt']), 'from host\n');
    assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'back\n');
    const ro = await sb.run(['run', '--rm', '-v', `${dir}:/data:ro`, IMG, 'touch', '/data/x']);
    assert.notEqual(ro.code, 0);
    assert.ok(!existsSync(join(dir, 'x')));
  });
});

describe('files: cp, diff, commit, export', () => {
  test('cp both ways, diff, commit to a new image that runs, export', async () => {
    await ok(sb, ['run', '-d', '--name', 'files', IMG, 'sh', '-c', 'mkdir -p /data/sub && echo inside > /data/sub/f.txt && rm /bin/true && sleep 60']);
    await new Promise((r) => setTimeout(r, 400));
    const out = join(work, 'cp-out');
    (await import('node:fs')).mkdirSync(out);
    await ok(sb, ['cp', 'files:/data', out]);
    assert.equal(readFileSync(join(out, 'data/sub/f.txt'), 'utf8'), 'inside\n');
    await ok(sb, ['cp', 'files:/data/sub/f.txt', join(out, 'renamed.txt')]);
    assert.equal(readFileSync(join(out, 'renamed.txt'), 'utf8'), 'inside\n');
    writeFileSync(join(work, 'host.txt'), 'from host\n');
    await ok(sb, ['cp', join(work, 'host.txt'), 'files:/data/sub/']);
    assert.equal(await ok(sb, ['exec', 'files', 'cat', '/data/sub/host.txt']), 'from host\n');
    // A symlink in the container pointing at / resolves inside the container, never on the host.
    await ok(sb, ['exec', 'files', 'ln', '-s', '/', '/data/escape']);
    await ok(sb, ['cp', join(work, 'host.txt'), 'files:/data/escape/tmp/']);
    assert.equal(await ok(sb, ['exec', 'files', 'cat', '/tmp/host.txt']), 'from host\n');
    assert.deepEqual((await ok(sb, ['diff', 'files'])).trim().split('\n'), ['C /bin', 'D /bin/true', 'A /data', 'A /data/escape', 'A /data/sub', 'A /data/sub/f.txt', 'A /data/sub/host.txt', 'C /tmp', 'A /tmp/host.txt']);
    const id = (await ok(sb, ['commit', '-c', 'CMD ["cat","/data/sub/f.txt"]', '-m', 'snapshot', '-a', 'tester', 'files', 'test/committed:1'])).trim();
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    assert.equal(await ok(sb, ['run', '--rm', 'test/committed:1']), 'inside\n');
    const gone = await sb.run(['run', '--rm', 'test/committed:1', 'ls', '/bin/true']);
    assert.notEqual(gone.code, 0, 'the deletion was committed as a whiteout');
    const img = JSON.parse(await ok(sb, ['image', 'inspect', 'test/committed:1']))[0];
    assert.equal(img.Author, 'tester');
    assert.equal(img.Comment, 'snapshot');
    assert.equal(img.RootFS.Layers.length, 2);
    const tarOut = join(work, 'export.tar');
    await ok(sb, ['export', '-o', tarOut, 'files']);
    const { execFileSync } = await import('node:child_process');
    const listing = execFileSync('tar', ['-tf', tarOut]).toString();
    assert.match(listing, /\.\/data\/sub\/f\.txt/);
    assert.match(listing, /\.\/bin\/busybox/);
    await ok(sb, ['rm', '-f', 'files']);
    await ok(sb, ['rmi', 'test/committed:1']);
  });
});

describe('health checks', () => {
  test('status turns healthy, then unhealthy, without a daemon; the scheduler goes with the container', async () => {
    await ok(sb, ['run', '-d', '--name', 'health', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '200ms', '--health-retries', '2', IMG, 'sh', '-c', 'touch /tmp/ok; sleep 3; rm /tmp/ok; sleep 60']);
    const seen: string[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const s = (await ok(sb, ['inspect', '-f', '{{.State.Health.Status}}', 'health'])).trim();
      if (seen.at(-1) !== s) seen.push(s);
      if (s === 'unhealthy') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(seen.filter((s) => s !== 'starting'), ['healthy', 'unhealthy']);
    assert.match(await ok(sb, ['ps', '--format', '{{.Status}}', '--filter', 'health=unhealthy']), /\(unhealthy\)/);
    const log = JSON.parse(await ok(sb, ['inspect', '-f', '{{json .State.Health}}', 'health']));
    assert.ok(log.FailingStreak >= 2);
    assert.ok(log.Log.length <= 5 && log.Log.at(-1).ExitCode === 1);
    const { execFileSync } = await import('node:child_process');
    const schedulers = () => execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.includes('berth-health') && l.includes(sb.root));
    assert.equal(schedulers().length, 1);
    await ok(sb, ['rm', '-f', 'health']);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(schedulers().length, 0, 'the scheduler ended with the container');
  });

  test('--no-healthcheck and image health checks', async () => {
    const id = (await ok(sb, ['create', '--no-healthcheck', IMG, 'true'])).trim();
    assert.equal(await ok(sb, ['inspect', '-f', '{{json .Config.Healthcheck.Test}}', id]), '["NONE"]\n');
    await ok(sb, ['rm', id]);
  });
});

describe('runtimes and management', () => {
  test('the same container runs under runc and runsc (gVisor), chosen by --runtime', async () => {
    const runc = await ok(sb, ['run', '--rm', '--runtime', 'runc', IMG, 'cat', '/proc/version']);
    const gvisor = await ok(sb, ['run', '--rm', '--runtime', 'runsc', IMG, 'cat', '/proc/version']);
    assert.notEqual(runc, gvisor, 'gVisor presents its own kernel');
    assert.equal(await ok(sb, ['run', '--rm', '--runtime', 'runsc', IMG, 'sh', '-c', 'echo $FROM_IMAGE; exit 0']), 'yes\n');
    const bad = await sb.run(['run', '--rm', '--runtime', 'nope', IMG, 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /unknown or missing runtime "nope"/);
  });

  test('pause/unpause, top, stats, update, rename, container prune', async () => {
    await ok(sb, ['run', '-d', '--name', 'mgmt', '-m', '100m', IMG, 'sh', '-c', 'while :; do sleep 0.05; done']);
    await ok(sb, ['pause', 'mgmt']);
    assert.match(await ok(sb, ['ps', '--format', '{{.Status}}', '--filter', 'name=mgmt']), /\(Paused\)/);
    assert.equal((await sb.run(['exec', 'mgmt', 'true'])).code, 126);
    await ok(sb, ['unpause', 'mgmt']);
    // ps sorts by pid, and pids wrap: the shell's line need not come first.
    assert.match(await ok(sb, ['top', 'mgmt']), /^UID\s+PID\s+PPID.*\n[\s\S]*sh -c while/);
    const stats = await ok(sb, ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', 'mgmt']);
    assert.match(stats, /^mgmt \d+(\.\d+)?[KM]iB \/ 100MiB \d+\n$/);
    await ok(sb, ['update', '-m', '200m', '--restart', 'always', 'mgmt']);
    assert.match(await ok(sb, ['stats', '--no-stream', '--format', '{{.MemUsage}}', 'mgmt']), /\/ 200MiB/);
    assert.equal(await ok(sb, ['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.Memory}}', 'mgmt']), 'always 209715200\n');
    const before = await ok(sb, ['inspect', '-f', '{{.State.StartedAt}}', 'mgmt']);
    assert.equal(await ok(sb, ['restart', '-t', '0', 'mgmt']), 'mgmt\n');
    assert.notEqual(await ok(sb, ['inspect', '-f', '{{.State.StartedAt}}', 'mgmt']), before);
    assert.equal(await ok(sb, ['inspect', '-f', '{{.State.Status}}', 'mgmt']), 'running\n');
    await ok(sb, ['rename', 'mgmt', 'mgmt2']);
    assert.equal(await ok(sb, ['ps', '--format', '{{.Names}}']), 'mgmt2\n');
    await ok(sb, ['stop', '-t', '0', 'mgmt2']);
    await ok(sb, ['create', '--name', 'never-started', IMG, 'true']);
    const pruned = await ok(sb, ['container', 'prune', '-f']);
    assert.match(pruned, /Deleted Containers:/);
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
  });

  test('kill -9 of berth leaves state the next command reports truly and can clean up', async () => {
    // Killed in the foreground: the container runs on under its monitor.
    const child = sb.spawn(['run', '--name', 'orphan', IMG, 'sh', '-c', 'echo up; sleep 60']);
    await new Promise<void>((resolve) => child.stdout!.on('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    assert.equal(await ok(sb, ['inspect', '-f', '{{.State.Status}}', 'orphan']), 'running\n');
    // The monitor killed too: the container runs on, and berth says so truly...
    const info = JSON.parse(await ok(sb, ['inspect', 'orphan']))[0];
    const monitor = Number(readFileSync(join(sb.runroot, 'containers', info.Id, 'conmon.pid'), 'utf8'));
    process.kill(monitor, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await ok(sb, ['inspect', '-f', '{{.State.Status}}', 'orphan']), 'running\n');
    // ...until its process is gone too: then it is exited, with no monitor left to record a code.
    process.kill(Number(info.State.Pid), 'SIGKILL');
    const deadline = Date.now() + 5000;
    let status = '';
    while (Date.now() < deadline && status !== 'exited\n') {
      status = await ok(sb, ['inspect', '-f', '{{.State.Status}}', 'orphan']);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 'exited\n');
    assert.equal(await ok(sb, ['inspect', '-f', '{{.State.ExitCode}}', 'orphan']), '255\n');
    // With no monitor to clean up, the command that noticed released the network namespace.
    const { execFileSync } = await import('node:child_process');
    assert.ok(!execFileSync('ip', ['netns', 'list']).toString().includes(`berth-${info.Id.slice(0, 12)}`));
    await ok(sb, ['rm', 'orphan']);
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
  });
});

describe('volumes', () => {
  test('named volumes: create, copy-up of image content, persistence, in-use protection, ls/inspect/rm/prune', async () => {
    assert.equal(await ok(sb, ['volume', 'create', '--label', 'team=a', 'vdata']), 'vdata\n');
    // A new, empty volume takes the image's content at its mount point.
    assert.match(await ok(sb, ['run', '--rm', '-v', 'vdata:/etc', IMG, 'cat', '/etc/passwd']), /^root:x:0:0/);
    await ok(sb, ['run', '--rm', '-v', 'vdata:/data', IMG, 'sh', '-c', 'echo kept > /data/note']);
    assert.equal(await ok(sb, ['run', '--rm', '-v', 'vdata:/data:ro', IMG, 'cat', '/data/note']), 'kept\n');
    const ro = await sb.run(['run', '--rm', '-v', 'vdata:/data:ro', IMG, 'touch', '/data/x']);
    assert.notEqual(ro.code, 0);
    const v = JSON.parse(await ok(sb, ['volume', 'inspect', 'vdata']))[0];
    assert.equal(v.Name, 'vdata');
    assert.equal(v.Driver, 'local');
    assert.deepEqual(v.Labels, { team: 'a' });
    assert.equal(readFileSync(join(v.Mountpoint, 'note'), 'utf8'), 'kept\n');
    assert.equal(await ok(sb, ['volume', 'ls', '--filter', 'label=team=a', '--format', '{{.Name}}']), 'vdata\n');
    await ok(sb, ['create', '--name', 'holder', '-v', 'vdata:/data', IMG, 'true']);
    const busy = await sb.run(['volume', 'rm', 'vdata']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /volume is in use - \[holder\]/);
    await ok(sb, ['rm', 'holder']);
    assert.equal(await ok(sb, ['volume', 'rm', 'vdata']), 'vdata\n');
  });

  test('anonymous volumes (-v /path) go with rm -v and --rm; prune removes unused anonymous ones', async () => {
    await ok(sb, ['create', '--name', 'anon', '-v', '/scratch', IMG, 'true']);
    assert.equal((await ok(sb, ['volume', 'ls', '-q'])).trim().split('\n').filter(Boolean).length, 1);
    await ok(sb, ['rm', '-v', 'anon']);
    assert.equal((await ok(sb, ['volume', 'ls', '-q'])).trim(), '');
    await ok(sb, ['run', '--rm', '-v', '/scratch', IMG, 'true']);
    assert.equal((await ok(sb, ['volume', 'ls', '-q'])).trim(), '');
    await ok(sb, ['create', '--name', 'anon2', '-v', '/scratch', IMG, 'true']);
    await ok(sb, ['rm', 'anon2']);
    await ok(sb, ['volume', 'create', 'named-kept']);
    const pruned = await ok(sb, ['volume', 'prune', '-f']);
    assert.match(pruned, /Deleted Volumes:\n[a-f0-9]{64}\n/);
    assert.equal(await ok(sb, ['volume', 'ls', '-q']), 'named-kept\n');
    await ok(sb, ['volume', 'prune', '-a', '-f']);
    assert.equal((await ok(sb, ['volume', 'ls', '-q'])).trim(), '');
  });
});

describe('devices', () => {
  test('a host device node and a CDI device (spec written by the test, for a harmless node)', async () => {
    const cdiDir = join(work, 'cdi');
    const fs = await import('node:fs');
    fs.mkdirSync(cdiDir, { recursive: true });
    fs.writeFileSync(join(cdiDir, 'test.yaml'), ['cdiVersion: "0.5.0"', 'kind: vendor.example/test', 'devices:', '  - name: null0', '    containerEdits:', '      deviceNodes:', '        - path: /dev/berth-null', '          hostPath: /dev/null', '      env:', '        - BERTH_CDI=yes', ''].join('\n'));
    // A top-level key: it must come before the file's [network] table.
    fs.writeFileSync(sb.configFile, `cdi_spec_dirs = ["${cdiDir}"]\n` + fs.readFileSync(sb.configFile, 'utf8'));
    assert.equal(await ok(sb, ['run', '--rm', '--device', 'vendor.example/test=null0', IMG, 'sh', '-c', 'test -c /dev/berth-null && echo ok > /dev/berth-null && echo $BERTH_CDI']), 'yes\n');
    const missing = await sb.run(['run', '--rm', '--device', 'vendor.example/test=nope', IMG, 'true']);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /unresolvable CDI devices vendor.example\/test=nope/);
    assert.equal(await ok(sb, ['run', '--rm', '--device', '/dev/zero:/dev/myzero', IMG, 'sh', '-c', 'head -c 4 /dev/myzero | wc -c']), '4\n');
    const denied = await sb.run(['run', '--rm', IMG, 'sh', '-c', 'mknod /dev/m c 1 1 && head -c 1 /dev/m']);
    assert.notEqual(denied.code, 0, 'the device cgroup denies nodes that were not granted');
  });
});

describe('--init', () => {
  test('an init as PID 1 passes SIGTERM on, so stop is prompt and the code is 143', async () => {
    await ok(sb, ['run', '-d', '--init', '--name', 'with-init', IMG, 'sleep', '60']);
    assert.equal(await ok(sb, ['exec', 'with-init', 'cat', '/proc/1/cmdline']), '/sbin/docker-init\0--\0sleep\x0060\0');
    const t0 = Date.now();
    await ok(sb, ['stop', '-t', '5', 'with-init']);
    assert.ok(Date.now() - t0 < 4000, 'stopped by SIGTERM, not by the timeout');
    assert.equal(await ok(sb, ['inspect', '-f', '{{.State.ExitCode}}', 'with-init']), '143\n');
    await ok(sb, ['rm', 'with-init']);
  });
});

describe('more of run\'s flags, and ps filters', () => {
  test('--cidfile, --env-file, --ulimit, --cpus, --shm-size, --privileged, seccomp=FILE, --stop-signal', async () => {
    const fs = await import('node:fs');
    const cidfile = join(work, 'cid');
    const envFile = join(work, 'env.list');
    fs.writeFileSync(envFile, '# comment\nFROM_FILE=yes\n');
    const out = await ok(sb, ['run', '--rm', '--cidfile', cidfile, '--env-file', envFile, '--ulimit', 'nofile=512:1024', '--cpus', '0.5', '--shm-size', '8m', IMG, 'sh', '-c', 'echo $FROM_FILE; ulimit -n; ulimit -Hn; (cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max); df -k /dev/shm | tail -1']);
    const lines = out.trim().split('\n');
    assert.deepEqual(lines.slice(0, 4), ['yes', '512', '1024', '50000']);
    assert.match(lines[4], /\s8192\s/);
    assert.match(fs.readFileSync(cidfile, 'utf8'), /^[a-f0-9]{64}$/);
    // --privileged: every capability berth itself holds (this host withholds some from root).
    const ownBnd = /^CapBnd:\s+([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1];
    assert.match(await ok(sb, ['run', '--rm', '--privileged', IMG, 'cat', '/proc/self/status']), new RegExp(`^CapEff:\\s+${ownBnd}$`, 'm'));
    // A seccomp profile from a file: everything allowed but mkdir/mkdirat.
    const profile = join(work, 'seccomp.json');
    fs.writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] }));
    const denied = await sb.run(['run', '--rm', '--security-opt', `seccomp=${profile}`, IMG, 'mkdir', '/tmp/x']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Operation not permitted/);
    // --stop-signal: the container's own stop signal is what `stop` sends.
    await ok(sb, ['run', '-d', '--name', 'usr1', '--stop-signal', 'USR1', IMG, 'sh', '-c', 'trap "exit 42" USR1; while :; do sleep 0.1; done']);
    await ok(sb, ['stop', '-t', '5', 'usr1']);
    assert.equal(await ok(sb, ['inspect', '-f', '{{.State.ExitCode}} {{.Config.StopSignal}}', 'usr1']), '42 USR1\n');
    await ok(sb, ['rm', 'usr1']);
  });

  test('ps -n, -l, --filter status/exited/ancestor; logs --since', async () => {
    assert.equal((await sb.run(['run', '--name', 'first', IMG, 'sh', '-c', 'echo one; exit 3'])).code, 3);
    await new Promise((r) => setTimeout(r, 1100));
    await ok(sb, ['create', '--name', 'second', IMG, 'true']);
    assert.equal(await ok(sb, ['ps', '-l', '--format', '{{.Names}}']), 'second\n');
    assert.equal(await ok(sb, ['ps', '-n', '2', '--format', '{{.Names}}']), 'second\nfirst\n');
    assert.equal(await ok(sb, ['ps', '-a', '--filter', 'status=created', '--format', '{{.Names}}']), 'second\n');
    assert.equal(await ok(sb, ['ps', '-a', '--filter', 'exited=3', '--format', '{{.Names}}']), 'first\n');
    assert.equal((await ok(sb, ['ps', '-a', '--filter', `ancestor=${IMG}`, '-q'])).trim().split('\n').length, 2);
    assert.equal(await ok(sb, ['logs', '--since', '1h', 'first']), 'one\n');
    assert.equal(await ok(sb, ['logs', '--since', '0s', 'first']), '');
    await ok(sb, ['rm', 'first', 'second']);
  });
});
