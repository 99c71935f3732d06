// systemd end to end, where systemd is not PID 1: generated and declarative units are checked
// with `systemd-analyze verify`, and their Exec lines are run here, in the order systemd would
// run them, to start, stop and restart the container. sd_notify goes to a datagram socket the
// test binds (standing in for the unit's NOTIFY_SOCKET); socket activation goes through
// systemd-socket-activate.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxEntries, makeTar, BUSYBOX_PATH } from '../helpers/fixtures.js';
import { BERTH, REPO, ok, sandboxes, type Sandbox } from '../helpers/berth.js';
import { parseUnit, splitExecLine, type UnitFile } from '../../src/systemd/unit.js';

const require = createRequire(import.meta.url);
const boxes = sandboxes();
let sb: Sandbox;
let work: string;
const IMG = 'test/busybox:sd';
/** The host's /usr inside a container (python3, systemd-notify), for the notify and activation tests. */
const HOST_USR = ['-v', '/usr:/usr:ro', '-v', '/usr/lib:/lib:ro', '-v', '/usr/lib64:/lib64:ro'];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-sd-'));
  const { tar } = await makeTar(busyboxEntries(readFileSync(BUSYBOX_PATH), { passwd: 'root:x:0:0:root:/root:/bin/sh\n', group: 'root:x:0:\n' }));
  writeFileSync(join(work, 'rootfs.tar'), tar);
  sb = boxes.fresh();
  await ok(sb, ['import', '-c', 'CMD ["sh"]', '-c', 'ENV FROM_IMAGE=yes', join(work, 'rootfs.tar'), IMG]);
});

after(async () => {
  if (sb) {
    const ids = (await sb.run(['ps', '-aq', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean);
    if (ids.length) await sb.run(['rm', '-f', ...ids]);
    await sb.run(['network', 'rm', 'sdnet', 'systemd-qnet']);
  }
  boxes.cleanup();
  rmSync(work, { recursive: true, force: true });
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(argv: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** systemd-analyze verify on a unit file (the name matters: verify checks it). */
async function verify(dir: string, name: string, text: string): Promise<void> {
  const path = join(dir, name);
  writeFileSync(path, text);
  const r = await run(['systemd-analyze', 'verify', path], { ...process.env, SYSTEMD_LOG_LEVEL: 'warning' });
  assert.equal(r.code, 0, `systemd-analyze verify ${name}: ${r.stderr}\n${text}`);
  assert.doesNotMatch(r.stderr, /ignoring|unknown|not executable|invalid/i, `${name}: ${r.stderr}`);
}

/** The environment a unit's commands get: Environment= lines over a plain PATH (no BERTH_* of ours). */
function unitEnv(u: UnitFile, service: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...extra };
  for (const line of u.all('Service', 'Environment')) {
    for (const a of splitExecLine(`/x ${line}`, { n: service }).argv.slice(1)) {
      const i = a.indexOf('=');
      env[a.slice(0, i)] = a.slice(i + 1);
    }
  }
  return env;
}

/** Run every command of an Exec key as systemd would: a failure fails the step unless its line starts with "-". */
async function execKey(u: UnitFile, key: string, service: string, extra: NodeJS.ProcessEnv = {}): Promise<Ran[]> {
  const env = unitEnv(u, service, extra);
  const out: Ran[] = [];
  for (const line of u.all('Service', key)) {
    const { prefixes, argv } = splitExecLine(line, { n: service, N: service.replace(/\.service$/, ''), t: '/run' }, env);
    const r = await run(argv, env);
    if (!prefixes.includes('-')) assert.equal(r.code, 0, `${key}=${line}\n${r.stdout}${r.stderr}`);
    out.push(r);
  }
  return out;
}

/** A datagram socket standing in for systemd's NOTIFY_SOCKET. */
function notifySocket(path: string): { messages: string[]; waitFor(re: RegExp, ms?: number): Promise<string>; close(): void } {
  const { DgramSocket } = require('node-unix-socket') as typeof import('node-unix-socket');
  rmSync(path, { force: true });
  const s = new DgramSocket();
  s.bind(path);
  const messages: string[] = [];
  s.on('data', (b: Buffer) => messages.push(b.toString()));
  return {
    messages,
    async waitFor(re, ms = 15_000) {
      const end = Date.now() + ms;
      for (;;) {
        const m = messages.find((x) => re.test(x));
        if (m) return m;
        if (Date.now() > end) throw new Error(`no ${re} on the notify socket; got ${JSON.stringify(messages)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close() {
      s.close();
      rmSync(path, { force: true });
    },
  };
}

async function state(name: string): Promise<string> {
  const r = await sb.run(['inspect', '-f', '{{.State.Status}}', name]);
  return r.code === 0 ? r.stdout.trim() : 'missing';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('generate systemd', () => {
  test('an existing container: verify passes; ExecStart/ExecStop start, stop and restart it; PIDFile is conmon\'s', async () => {
    const dir = mkdtempSync(join(work, 'units-'));
    await ok(sb, ['create', '--name', 'web', IMG, 'sleep', '1000']);
    const gen = await sb.run(['generate', 'systemd', '--name', '--time', '3', 'web']);
    assert.equal(gen.code, 0, gen.stderr);
    const u = parseUnit(gen.stdout);
    assert.equal(u.get('Service', 'Type'), 'forking');
    await verify(dir, 'container-web.service', gen.stdout);
    const env = unitEnv(u, 'container-web.service');
    assert.equal(env.BERTH_ROOT, sb.root);
    assert.equal(env.BERTH_RUNROOT, sb.runroot);
    assert.equal(env.BERTH_CONFIG, sb.configFile);

    for (let round = 0; round < 2; round++) {
      await execKey(u, 'ExecStart', 'container-web.service');
      assert.equal(await state('web'), 'running');
      const conmon = Number(readFileSync(u.get('Service', 'PIDFile')!, 'utf8'));
      assert.ok(pidAlive(conmon), 'the PIDFile names a live conmon');
      assert.equal(readFileSync(`/proc/${conmon}/comm`, 'utf8').trim(), 'conmon');
      await execKey(u, 'ExecStop', 'container-web.service');
      await execKey(u, 'ExecStopPost', 'container-web.service');
      assert.equal(await state('web'), 'exited');
      for (let i = 0; i < 100 && pidAlive(conmon); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(!pidAlive(conmon), 'conmon is gone once the unit is stopped');
    }

    // --files writes container-NAME.service into the current directory.
    const files = await run([BERTH, '--root', sb.root, '--runroot', sb.runroot, 'generate', 'systemd', '--files', '--name', '--no-header', 'web'], sb.env, dir);
    assert.equal(files.code, 0, files.stderr);
    assert.equal(files.stdout.trim(), join(dir, 'container-web.service'));
    assert.ok(readFileSync(join(dir, 'container-web.service'), 'utf8').startsWith('[Unit]\n'));
    const bad = await sb.run(['generate', 'systemd', '--restart-policy', 'sometimes', 'web']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not a valid restart policy/);
    const none = await sb.run(['generate', 'systemd', 'no-such']);
    assert.equal(none.code, 1);
    await ok(sb, ['rm', '-f', 'web']);
  });

  test('a pod: its unit starts and stops the infra container, each member\'s unit is bound to it; all verify', async () => {
    const dir = mkdtempSync(join(work, 'pod-units-'));
    await ok(sb, ['pod', 'create', '--name', 'svc']);
    await ok(sb, ['create', '--pod', 'svc', '--name', 'member', IMG, 'sleep', '1000']);
    const files = await run([BERTH, '--root', sb.root, '--runroot', sb.runroot, 'generate', 'systemd', '--files', '--name', 'svc'], sb.env, dir);
    assert.equal(files.code, 0, files.stderr);
    assert.deepEqual(files.stdout.trim().split('\n'), [join(dir, 'pod-svc.service'), join(dir, 'container-member.service')]);
    const podUnit = parseUnit(readFileSync(join(dir, 'pod-svc.service'), 'utf8'));
    const memberUnit = parseUnit(readFileSync(join(dir, 'container-member.service'), 'utf8'));
    assert.deepEqual(podUnit.all('Unit', 'Requires'), ['container-member.service']);
    assert.equal(memberUnit.get('Unit', 'BindsTo'), 'pod-svc.service');
    const v = await run(['systemd-analyze', 'verify', join(dir, 'pod-svc.service'), join(dir, 'container-member.service')], { ...process.env, SYSTEMD_LOG_LEVEL: 'warning' });
    assert.equal(v.code, 0, v.stderr);
    assert.doesNotMatch(v.stderr, /ignoring|unknown|not executable|invalid/i, v.stderr);
    // systemd's order: the pod's unit, then the member's; stopping goes the other way.
    await execKey(podUnit, 'ExecStart', 'pod-svc.service');
    await execKey(memberUnit, 'ExecStart', 'container-member.service');
    assert.match(await ok(sb, ['pod', 'ls', '--format', '{{.Name}} {{.Status}}']), /^svc Running$/m);
    await execKey(memberUnit, 'ExecStop', 'container-member.service');
    await execKey(podUnit, 'ExecStop', 'pod-svc.service');
    assert.match(await ok(sb, ['pod', 'ls', '--format', '{{.Name}} {{.Status}}']), /^svc Exited$/m);
    const fresh = await sb.run(['generate', 'systemd', '--new', 'svc']);
    assert.equal(fresh.code, 1);
    assert.match(fresh.stderr, /--new is not supported for pods yet/);
    await ok(sb, ['pod', 'rm', '-f', 'svc']);
  });

  test('--new: the unit recreates the container from the image with its settings, tells systemd READY with MAINPID=conmon', async () => {
    const dir = mkdtempSync(join(work, 'units-'));
    await ok(sb, ['network', 'create', 'sdnet']);
    await ok(sb, ['create', '--name', 'fresh', '-e', 'GREETING=hello world', '--label', 'app=fresh', '--network', 'sdnet', '--network-alias', 'fr', '-v', 'sdvol:/data', '--restart', 'on-failure:3', '--stop-timeout', '2', IMG, 'sh', '-c', 'echo "$GREETING $FROM_IMAGE" > /data/out; exec sleep 1000']);
    const gen = await sb.run(['generate', 'systemd', '--new', '--name', 'fresh']);
    assert.equal(gen.code, 0, gen.stderr);
    const u = parseUnit(gen.stdout);
    assert.equal(u.get('Service', 'Type'), 'notify');
    assert.equal(u.get('Service', 'Restart'), 'on-failure');
    assert.equal(u.get('Service', 'StartLimitBurst'), '3');
    await verify(dir, 'container-fresh.service', gen.stdout);
    await ok(sb, ['rm', 'fresh']);

    const sock = notifySocket(join(dir, 'notify.sock'));
    try {
      let lastId = '';
      for (let round = 0; round < 2; round++) {
        sock.messages.length = 0;
        await execKey(u, 'ExecStartPre', 'container-fresh.service');
        await execKey(u, 'ExecStart', 'container-fresh.service', { NOTIFY_SOCKET: join(dir, 'notify.sock') });
        const ready = await sock.waitFor(/READY=1/);
        const id = (await ok(sb, ['inspect', '-f', '{{.Id}}', 'fresh'])).trim();
        assert.notEqual(id, lastId, 'a new container each start');
        lastId = id;
        const conmon = Number(readFileSync(join(sb.runroot, 'containers', id, 'conmon.pid'), 'utf8'));
        assert.equal(ready, `MAINPID=${conmon}\nREADY=1\n`);
        assert.equal(await state('fresh'), 'running');
        assert.equal((await ok(sb, ['exec', 'fresh', 'cat', '/data/out'])).trim(), 'hello world yes');
        assert.equal((await ok(sb, ['inspect', '-f', '{{index .Config.Labels "app"}} {{.HostConfig.NetworkMode}} {{.HostConfig.AutoRemove}} {{.HostConfig.SdNotifyMode}}', 'fresh'])).trim(), 'app=fresh sdnet true conmon'.replace('app=', ''));
        await execKey(u, 'ExecStop', 'container-fresh.service');
        await execKey(u, 'ExecStopPost', 'container-fresh.service');
        assert.equal(await state('fresh'), 'missing', 'the container goes with the unit');
      }
      // A container of that name left behind (a crash) does not stop the unit from starting.
      await ok(sb, ['create', '--name', 'fresh', IMG, 'true']);
      await execKey(u, 'ExecStartPre', 'container-fresh.service');
      await execKey(u, 'ExecStart', 'container-fresh.service', { NOTIFY_SOCKET: join(dir, 'notify.sock') });
      assert.equal(await state('fresh'), 'running');
      await execKey(u, 'ExecStop', 'container-fresh.service');
      await execKey(u, 'ExecStopPost', 'container-fresh.service');
    } finally {
      sock.close();
    }
    await sb.run(['volume', 'rm', 'sdvol']);
  });
});

describe('sd_notify', () => {
  test('--sdnotify=container: the container\'s own READY=1 reaches the unit through conmon; berth sends MAINPID', async () => {
    const dir = mkdtempSync(join(work, 'notify-'));
    const sock = notifySocket(join(dir, 'n.sock'));
    try {
      const r = await sb.run(['run', '-d', '--rm', '--name', 'nc', '--network', 'none', '--sdnotify=container', ...HOST_USR, IMG, 'sh', '-c', 'echo "socket=$NOTIFY_SOCKET"; sleep 1; systemd-notify --ready; exec sleep 1000'], { env: { NOTIFY_SOCKET: join(dir, 'n.sock') } });
      assert.equal(r.code, 0, r.stderr);
      const id = r.stdout.trim();
      const conmon = Number(readFileSync(join(sb.runroot, 'containers', id, 'conmon.pid'), 'utf8'));
      assert.equal(await sock.waitFor(/MAINPID/), `MAINPID=${conmon}\n`, 'berth names conmon but does not say READY');
      assert.ok(!sock.messages.some((m) => m.startsWith('MAINPID') && m.includes('READY')));
      assert.match(await sock.waitFor(/READY=1/), /^READY=1/);
      assert.match(await ok(sb, ['logs', 'nc']), /socket=\/run\/notify\/notify.sock/);
      await ok(sb, ['rm', '-f', 'nc']);
    } finally {
      sock.close();
    }
  });

  test('--sdnotify=ignore tells nothing; no NOTIFY_SOCKET reaches the container in conmon mode; a bad mode is refused', async () => {
    const dir = mkdtempSync(join(work, 'notify-'));
    const sock = notifySocket(join(dir, 'n.sock'));
    try {
      await ok(sb, ['run', '-d', '--rm', '--name', 'ig', '--network', 'none', '--sdnotify=ignore', IMG, 'sleep', '1000'], { env: { NOTIFY_SOCKET: join(dir, 'n.sock') } });
      const cm = await sb.run(['run', '--rm', '--network', 'none', '--sdnotify=conmon', IMG, 'sh', '-c', 'echo "[$NOTIFY_SOCKET]"; ls /run/notify 2>&1 || true'], { env: { NOTIFY_SOCKET: join(dir, 'n.sock') } });
      assert.equal(cm.code, 0, cm.stderr);
      assert.match(cm.stdout, /^\[\]\n/);
      await sock.waitFor(/READY=1/);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(sock.messages.length, 1, `only the conmon-mode run notified: ${JSON.stringify(sock.messages)}`);
      await ok(sb, ['rm', '-f', 'ig']);
      const bad = await sb.run(['run', '--rm', '--sdnotify=sometimes', IMG, 'true']);
      assert.equal(bad.code, 125);
      assert.match(bad.stderr, /invalid --sdnotify "sometimes"/);
    } finally {
      sock.close();
    }
  });
});

describe('socket activation', () => {
  test('sockets systemd passes to berth run reach the container\'s process as fd 3 (LISTEN_FDS=1, LISTEN_PID=1)', async (t) => {
    if (!existsSync('/usr/bin/systemd-socket-activate') || !existsSync('/usr/bin/python3')) return t.skip('systemd-socket-activate or python3 missing');
    const dir = mkdtempSync(join(work, 'act-'));
    writeFileSync(join(dir, 'serve.py'), 'import os, socket\nprint("fds", os.environ.get("LISTEN_FDS"), "pid", os.environ.get("LISTEN_PID"), flush=True)\ns = socket.socket(fileno=3)\nwhile True:\n    c, _ = s.accept()\n    c.sendall(b"hello from the container\\n")\n    c.close()\n');
    const port = 20000 + (process.pid % 20000);
    // systemd-socket-activate passes only the environment it is told to (-E).
    const act = spawn('systemd-socket-activate', ['-E', 'PATH', '-E', 'BERTH_CONFIG', '-E', 'HOME', '-l', `127.0.0.1:${port}`, BERTH, '--root', sb.root, '--runroot', sb.runroot, 'run', '-d', '--rm', '--name', 'act', '--network', 'none', ...HOST_USR, '-v', `${join(dir, 'serve.py')}:/serve.py:ro`, IMG, 'python3', '/serve.py'], { env: sb.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let actOut = '';
    act.stdout.on('data', (d: Buffer) => (actOut += d.toString()));
    act.stderr.on('data', (d: Buffer) => (actOut += d.toString()));
    try {
      // The first connection starts berth run; the container answers it and every later one.
      for (let i = 0; i < 50; i++) {
        if (/Listening on/.test(actOut)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      for (let i = 0; i < 3; i++) {
        const got = await new Promise<string>((resolve, reject) => {
          const c = connect(port, '127.0.0.1');
          let data = '';
          c.setTimeout(30_000, () => reject(new Error(`no answer: ${actOut}`)));
          c.on('data', (d: Buffer) => (data += d.toString()));
          c.on('end', () => resolve(data));
          c.on('error', reject);
        });
        assert.equal(got, 'hello from the container\n');
      }
      assert.match(await ok(sb, ['logs', 'act']), /^fds 1 pid 1$/m);
    } finally {
      act.kill();
      await sb.run(['rm', '-f', 'act']);
    }
  });
});

describe('declarative units (berth systemd generate-units)', () => {
  test('.container, .volume and .network files become services that verify and run', async () => {
    const dir = mkdtempSync(join(work, 'quadlet-'));
    const src = join(dir, 'src');
    const out = join(dir, 'out');
    mkdirSync(src);
    mkdirSync(out);
    writeFileSync(join(src, 'qdata.volume'), '[Volume]\nLabel=purpose=test\n');
    writeFileSync(join(src, 'qnet.network'), '[Network]\nLabel=purpose=test\n');
    const port = 20000 + ((process.pid + 7) % 20000);
    writeFileSync(join(src, 'qweb.container'), [
      '[Unit]', 'Description=A declarative web container', '',
      '[Container]', `Image=${IMG}`, 'ContainerName=qweb', 'Exec=sh -c "echo $$GREETING > /data/hello; exec sleep 1000"', 'Environment=GREETING="hi there"', 'Label=app=qweb', 'Volume=qdata.volume:/data', 'Network=qnet.network', `PublishPort=127.0.0.1:${port}:80`, '',
      '[Service]', 'TimeoutStartSec=90', '',
      '[Install]', 'WantedBy=multi-user.target', '',
    ].join('\n'));
    // Through the generator shim systemd would run (it finds bin/berth beside itself).
    const gen = await run([join(REPO, 'contrib', 'systemd', 'berth-generator'), out, out, out], { ...sb.env, BERTH_ROOT: sb.root, BERTH_RUNROOT: sb.runroot, QUADLET_UNIT_DIRS: src });
    assert.equal(gen.code, 0, gen.stderr);
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.service')).sort(), ['qdata-volume.service', 'qnet-network.service', 'qweb.service']);
    // [Install] WantedBy= becomes a .wants link in the output directory (as systemctl enable would make).
    assert.ok(existsSync(join(out, 'multi-user.target.wants', 'qweb.service')));
    const units: Record<string, UnitFile> = {};
    for (const f of ['qdata-volume.service', 'qnet-network.service', 'qweb.service']) {
      const text = readFileSync(join(out, f), 'utf8');
      await verify(out, f, text);
      units[f] = parseUnit(text);
    }
    const web = units['qweb.service'];
    assert.equal(web.get('Unit', 'Description'), 'A declarative web container');
    assert.match(web.get('Unit', 'Requires') ?? '', /qdata-volume\.service/);
    assert.match(web.get('Unit', 'Requires') ?? '', /qnet-network\.service/);
    assert.equal(web.get('Service', 'TimeoutStartSec'), '90');

    // Dependencies first, as systemd orders them.
    await execKey(units['qdata-volume.service'], 'ExecStart', 'qdata-volume.service');
    await execKey(units['qnet-network.service'], 'ExecStart', 'qnet-network.service');
    await execKey(units['qnet-network.service'], 'ExecStart', 'qnet-network.service'); // a second start finds it there
    const sock = notifySocket(join(dir, 'n.sock'));
    try {
      for (let round = 0; round < 2; round++) {
        sock.messages.length = 0;
        await execKey(web, 'ExecStartPre', 'qweb.service');
        await execKey(web, 'ExecStart', 'qweb.service', { NOTIFY_SOCKET: join(dir, 'n.sock') });
        await sock.waitFor(/READY=1/);
        assert.equal(await state('qweb'), 'running');
        assert.equal((await ok(sb, ['exec', 'qweb', 'cat', '/data/hello'])).trim(), 'hi there');
        assert.equal((await ok(sb, ['inspect', '-f', '{{index .Config.Labels "app"}} {{.HostConfig.NetworkMode}}', 'qweb'])).trim(), 'qweb systemd-qnet');
        assert.match(await ok(sb, ['port', 'qweb']), new RegExp(`80/tcp -> 127\\.0\\.0\\.1:${port}`));
        await execKey(web, 'ExecStop', 'qweb.service');
        await execKey(web, 'ExecStopPost', 'qweb.service');
        assert.equal(await state('qweb'), 'missing');
      }
    } finally {
      sock.close();
    }
    assert.match(await ok(sb, ['volume', 'inspect', '-f', '{{index .Labels "purpose"}}', 'systemd-qdata']), /test/);
    await ok(sb, ['volume', 'rm', 'systemd-qdata']);
    await ok(sb, ['network', 'rm', 'systemd-qnet']);
  });

  test('a .pod file and a .container with Pod=: the pod\'s unit makes the pod, the member joins it and is bound to it', async () => {
    const dir = mkdtempSync(join(work, 'quadlet-pod-'));
    const src = join(dir, 'src');
    const out = join(dir, 'out');
    mkdirSync(src);
    mkdirSync(out);
    const port = 20000 + ((process.pid + 11) % 20000);
    writeFileSync(join(src, 'qapp.pod'), ['[Pod]', `PublishPort=127.0.0.1:${port}:80`, 'Label=tier=app', ''].join('\n'));
    writeFileSync(join(src, 'qsrv.container'), ['[Container]', `Image=${IMG}`, 'ContainerName=qsrv', 'Pod=qapp.pod', 'StopTimeout=1', 'Exec=sh -c "mkdir -p /www && echo from-the-pod-unit > /www/index.html && exec httpd -f -p 80 -h /www"', ''].join('\n'));
    writeFileSync(join(src, 'qbad.container'), ['[Container]', `Image=${IMG}`, 'Pod=nosuch', ''].join('\n'));
    const gen = await run([BERTH, 'systemd', 'generate-units', out], { ...sb.env, BERTH_ROOT: sb.root, BERTH_RUNROOT: sb.runroot, QUADLET_UNIT_DIRS: src });
    assert.match(gen.stderr, /qbad\.container: Pod=nosuch must name a \.pod file/);
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.service')).sort(), ['qapp-pod.service', 'qsrv.service']);
    const units: Record<string, UnitFile> = {};
    for (const f of ['qapp-pod.service', 'qsrv.service']) units[f] = parseUnit(readFileSync(join(out, f), 'utf8'));
    const v = await run(['systemd-analyze', 'verify', join(out, 'qapp-pod.service'), join(out, 'qsrv.service')], { ...process.env, SYSTEMD_LOG_LEVEL: 'warning' });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(units['qsrv.service'].get('Unit', 'BindsTo'), 'qapp-pod.service');
    for (let round = 0; round < 2; round++) {
      await execKey(units['qapp-pod.service'], 'ExecStartPre', 'qapp-pod.service');
      await execKey(units['qapp-pod.service'], 'ExecStart', 'qapp-pod.service');
      await execKey(units['qsrv.service'], 'ExecStartPre', 'qsrv.service');
      await execKey(units['qsrv.service'], 'ExecStart', 'qsrv.service');
      let body = '';
      for (let i = 0; i < 50 && !body; i++) {
        body = await fetch(`http://127.0.0.1:${port}/index.html`).then((r) => r.text()).catch(() => '');
        if (!body) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(body, 'from-the-pod-unit\n');
      assert.match(await ok(sb, ['ps', '--filter', 'pod=systemd-qapp', '--format', '{{.Names}}']), /^qsrv$/m);
      await execKey(units['qsrv.service'], 'ExecStop', 'qsrv.service');
      await execKey(units['qsrv.service'], 'ExecStopPost', 'qsrv.service');
      await execKey(units['qapp-pod.service'], 'ExecStop', 'qapp-pod.service');
      await execKey(units['qapp-pod.service'], 'ExecStopPost', 'qapp-pod.service');
      assert.equal((await ok(sb, ['pod', 'ls', '-q'])).trim(), '');
    }
  });
});
