// `berth -H` (and BERTH_HOST): the same commands against a remote engine, here berth's own
// service on a unix socket, and over ssh through a real sshd on loopback (as a test user,
// so that the ssh client's keys and known_hosts are that user's and nobody else's).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BERTH, type RunResult, type Sandbox } from '../helpers/berth.js';
import { inTerminal } from '../helpers/terminal.js';
import { serviceFixture } from '../helpers/server.js';
import { canRunBerth, createUser, type TestUser } from '../helpers/users.js';

const IMG = 'test/remotebox:1';
const fx = serviceFixture('berth-remote-', IMG);
let sb: Sandbox;
let work: string;
let sock: string;

/** berth with -H pointing at the service (the sandbox's --root is passed too and must not matter). */
const remote = (args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult> => sb.run(['-H', `unix://${sock}`, ...args], opts);

async function remoteOk(args: string[], opts?: { input?: string }): Promise<string> {
  const r = await remote(args, opts);
  if (r.code !== 0) throw new Error(`berth -H ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  await fx.ready();
  ({ sb, work, sock } = fx);
});

describe('berth -H unix://', () => {
  test('version and info describe the remote engine', async () => {
    const v = await remoteOk(['version']);
    assert.match(v, new RegExp(`Context:\\s+unix://${sock}`));
    assert.match(v, /Server: berth at unix:\/\//);
    assert.match(v, /API version:\s+1\.47 \(minimum version 1\.24\)/);
    const info = JSON.parse(await remoteOk(['info', '--format', 'json'])) as Record<string, unknown>;
    assert.equal(info.Root, sb.root, 'the service reports its own root');
    assert.match(await remoteOk(['info']), /Server Version: \d+\.\d+\.\d+\n/);
  });

  test('run in the foreground: output on both streams, the exit code, stdin, and --rm leaves nothing', async () => {
    const r = await remote(['run', '--rm', '--name', 'fg', IMG, 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'to-out\n');
    assert.equal(r.stderr, 'to-err\n');
    assert.equal((await sb.run(['ps', '-a', '--filter', 'name=fg', '-q'])).stdout, '', 'the local view agrees: it is gone');
    const cat = await remote(['run', '--rm', '-i', IMG, 'sh', '-c', 'tr a-z A-Z'], { input: 'piped through\n' });
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'PIPED THROUGH\n');
    const tty = await remote(['run', '--rm', '-t', IMG, 'sh', '-c', 'test -t 1 && echo a-tty']);
    assert.equal(tty.code, 0, tty.stderr);
    assert.equal(tty.stdout.replace(/\r/g, ''), 'a-tty\n');
  });

  test('docker exit codes: 127 for a missing command, 125 for a missing image, 1 for an unknown container', async () => {
    const missingCmd = await remote(['run', '--rm', IMG, 'no-such-command']);
    assert.equal(missingCmd.code, 127, missingCmd.stderr);
    assert.match(missingCmd.stderr, /no-such-command/);
    const missingImage = await remote(['run', '--rm', '--pull', 'never', 'test/absent:1', 'true']);
    assert.equal(missingImage.code, 125);
    assert.match(missingImage.stderr, /No such image/);
    const unknown = await remote(['stop', 'no-such-container']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No such container: no-such-container/);
  });

  test('a detached container: ps, logs, exec, top, inspect, port, pause, rename, stop, wait, rm', async () => {
    const id = (await remoteOk(['run', '-d', '--name', 'bg', '-p', '127.0.0.1::80', IMG, 'sh', '-c', 'echo started; exec sleep 300'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(await remoteOk(['ps']), /bg\n/);
    assert.match((await sb.run(['ps', '--format', '{{.Names}}'])).stdout, /^bg$/m, 'the local CLI sees what the remote one made');
    for (let i = 0; i < 50 && !(await remoteOk(['logs', 'bg'])).includes('started'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await remoteOk(['logs', 'bg']), 'started\n');
    assert.equal(await remoteOk(['exec', 'bg', 'cat', '/etc/hostname']), `${id.slice(0, 12)}\n`);
    assert.equal((await remote(['exec', 'bg', 'sh', '-c', 'exit 7'])).code, 7);
    assert.equal(await remoteOk(['exec', '-i', 'bg', 'cat'], { input: 'through exec\n' }), 'through exec\n');
    assert.match(await remoteOk(['top', 'bg']), /^UID\s+PID\s+PPID[\s\S]*sleep 300/);
    assert.equal(await remoteOk(['inspect', '--format', '{{.State.Status}} {{.Name}}', 'bg']), 'running /bg\n');
    assert.match(await remoteOk(['port', 'bg']), /^80\/tcp -> 127\.0\.0\.1:\d+\n$/);
    await remoteOk(['pause', 'bg']);
    assert.equal(await remoteOk(['inspect', '--format', '{{.State.Status}}', 'bg']), 'paused\n');
    await remoteOk(['unpause', 'bg']);
    await remoteOk(['rename', 'bg', 'bg2']);
    assert.equal(await remoteOk(['stop', '-t', '1', 'bg2']), 'bg2\n');
    assert.equal(await remoteOk(['wait', 'bg2']), '137\n');
    assert.match(await remoteOk(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}} {{.Status}}']), /^bg2 Exited \(137\)/m);
    assert.equal(await remoteOk(['rm', 'bg2']), 'bg2\n');
    assert.equal(await remoteOk(['ps', '-aq']), '');
  });

  test('run -it and exec -it through a real terminal: its size, typing, ctrl-p ctrl-q detaches, the exit code', async () => {
    const berth = `${BERTH} --root ${sb.root} --runroot ${sb.runroot} -H unix://${sock}`;
    const run = inTerminal(`stty rows 33 cols 77; ${berth} run -it --name tty1 ${IMG} sh`, sb.env);
    await run.waitFor(/# /);
    run.write('echo typed-$((6*7)) $(stty size)\r');
    await run.waitFor(/typed-42 33 77/);
    run.write(Buffer.from([0x10, 0x11]));
    assert.equal(await run.exited, 0, 'detached: ' + run.output());
    assert.equal(await remoteOk(['inspect', '-f', '{{.State.Running}}', 'tty1']), 'true\n', 'the shell stays');
    const exec = inTerminal(`stty rows 21 cols 99; ${berth} exec -it tty1 sh`, sb.env);
    await exec.waitFor(/# /);
    exec.write('echo exec-$(stty size) $(tty)\r');
    await exec.waitFor(/exec-21 99 \/dev\/pts\/\d+/);
    exec.write('exit 7\r');
    assert.equal(await exec.exited, 7, exec.output());
    await remoteOk(['rm', '-f', 'tty1']);
  });

  test('tcp:// on loopback: a second service on a TCP port, the same engine', async (t) => {
    const port = await freePort();
    const tcp = sb.spawn(['system', 'service', '--time', '0', `tcp://127.0.0.1:${port}`]);
    t.after(() => void tcp.kill());
    let v = await sb.run(['-H', `tcp://127.0.0.1:${port}`, 'version', '--format', '{{.Server.ApiVersion}}']);
    for (let i = 0; i < 50 && v.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      v = await sb.run(['-H', `tcp://127.0.0.1:${port}`, 'version', '--format', '{{.Server.ApiVersion}}']);
    }
    assert.equal(v.stdout, '1.47\n', v.stderr);
    const r = await sb.run(['-H', `tcp://127.0.0.1:${port}`, 'run', '--rm', IMG, 'echo', 'over-tcp']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'over-tcp\n');
  });

  test('start -a and attach through the service', async () => {
    await remoteOk(['create', '--name', 'later', IMG, 'sh', '-c', 'echo ran-later; exit 4']);
    const r = await remote(['start', '-a', 'later']);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, 'ran-later\n');
    await remoteOk(['run', '-d', '--name', 'talker', IMG, 'sh', '-c', 'sleep 1; echo late-line; exit 5']);
    const a = await remote(['attach', 'talker']);
    assert.equal(a.code, 5, a.stderr);
    assert.equal(a.stdout, 'late-line\n');
    await remoteOk(['rm', 'later', 'talker']);
  });

  test('BERTH_HOST works as -H does; what has no Engine API is refused clearly; bad and unreachable hosts are clear errors', async () => {
    const viaEnv = await sb.run(['ps', '-a', '--format', '{{.Names}}'], { env: { BERTH_HOST: `unix://${sock}` } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    const pods = await remote(['pod', 'ls']);
    assert.equal(pods.code, 1);
    assert.match(pods.stderr, /"berth pod ls" works on this host's engine only, not on a remote one \(unix:\/\//);
    const bad = await sb.run(['-H', 'ftp://host', 'ps']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid host "ftp:\/\/host": unsupported scheme ftp/);
    const gone = await sb.run(['-H', `unix://${join(work, 'nothing.sock')}`, 'ps']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /cannot reach the engine at unix:\/\/.*nothing\.sock/);
  });
});

/** A free loopback TCP port. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('berth -H ssh://', () => {
  const sshd = '/usr/sbin/sshd';
  let user: TestUser | undefined;
  let daemon: ChildProcess | undefined;
  let dir: string;
  let port: number;
  let skip: string | false = existsSync(sshd) ? false : 'needs sshd (Debian: openssh-server)';

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'berth-sshd-'));
    port = await freePort();
    user = createUser(`brssh${process.pid % 100000}`, 500000);
    if (!(await canRunBerth(user))) {
      skip = 'the test user cannot run berth from this checkout (a directory above it is not readable by others)';
      return;
    }
    // The server: its own host key, root may log in with the user's key only, nothing else of the system's sshd config.
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    await user.exec('sh', ['-c', 'mkdir -p -m 700 ~/.ssh && ssh-keygen -q -t ed25519 -N "" -f ~/.ssh/id_ed25519']);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(user.home, '.ssh', 'id_ed25519.pub')));
    chmodSync(join(dir, 'authorized_keys'), 0o600);
    const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
    await user.exec('sh', ['-c', `echo '[127.0.0.1]:${port} ${hostKey}' > ~/.ssh/known_hosts`]);
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    daemon = spawn(sshd, ['-D', '-e', '-f', '/dev/null', '-p', String(port), '-h', join(dir, 'host_key'),
      '-o', 'ListenAddress=127.0.0.1', '-o', `AuthorizedKeysFile=${join(dir, 'authorized_keys')}`, '-o', 'StrictModes=no',
      '-o', 'PermitRootLogin=prohibit-password', '-o', 'PasswordAuthentication=no', '-o', 'UsePAM=no', '-o', 'PidFile=none'], { stdio: ['ignore', 'ignore', 'pipe'] });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const c = connect(port, '127.0.0.1');
        c.on('connect', () => (c.destroy(), resolve(true)));
        c.on('error', () => resolve(false));
      });
      if (up) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(() => {
    daemon?.kill();
    user?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('an ordinary user runs containers on root\'s engine through an ssh tunnel (ssh -N -L) to its socket; a refused login is a clear error', async (t) => {
    if (skip) return t.skip(skip);
    const host = `ssh://root@127.0.0.1:${port}${sock}`;
    const r = await user!.berth(['-H', host, 'run', '--rm', IMG, 'sh', '-c', 'echo over-ssh; id -u']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'over-ssh\n0\n');
    const v = await user!.berth(['-H', host, 'version', '--format', '{{.Server.ApiVersion}}']);
    assert.equal(v.stdout, '1.47\n', v.stderr);
    const denied = await user!.berth(['-H', `ssh://nobody@127.0.0.1:${port}${sock}`, 'ps']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /ssh to ssh:\/\/nobody@127\.0\.0\.1:\d+.* failed \(exit 255\).*Permission denied/s);
  });
});

describe('berth -H against dockerd', () => {
  const dockerd = '/usr/sbin/dockerd';
  const DOCKER = existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : '/usr/bin/docker';
  let dir: string;
  let daemon: ChildProcess | undefined;
  let dsock: string;
  const skip = existsSync(dockerd) && existsSync(DOCKER) ? false : 'needs dockerd and the docker CLI (Debian: docker.io)';
  const viaDockerd = (args: string[], input?: string) => sb.run(['-H', `unix://${dsock}`, ...args], input === undefined ? undefined : { input });

  before(async () => {
    if (skip) return;
    // A private dockerd: its own data and exec roots, no bridge, no firewall rules.
    dir = mkdtempSync(join(tmpdir(), 'berth-dockerd-'));
    dsock = join(dir, 'docker.sock');
    daemon = spawn(dockerd, ['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'docker.pid'), '-H', `unix://${dsock}`, '--bridge=none', '--iptables=false', '--ip-masq=false', '--ip6tables=false'], { stdio: 'ignore' });
    for (let i = 0; i < 200 && !existsSync(dsock); i++) await new Promise((r) => setTimeout(r, 50));
    execFileSync(DOCKER, ['-H', `unix://${dsock}`, 'import', '-c', 'CMD ["sh"]', join(work, 'rootfs.tar'), IMG], { stdio: 'pipe' });
  });

  after(async () => {
    if (!daemon) return;
    try {
      const ids = execFileSync(DOCKER, ['-H', `unix://${dsock}`, 'ps', '-aq'], { encoding: 'utf8' }).trim();
      if (ids) execFileSync(DOCKER, ['-H', `unix://${dsock}`, 'rm', '-f', ...ids.split('\n')], { stdio: 'pipe' });
    } finally {
      const gone = new Promise((r) => daemon!.once('exit', r));
      daemon.kill('SIGTERM');
      await gone;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the same commands run containers on dockerd', async (t) => {
    if (skip) return t.skip(skip);
    const v = await viaDockerd(['version', '--format', '{{.Server.ApiVersion}}']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^1\.\d+\n$/);
    const r = await viaDockerd(['run', '--rm', '--network', 'none', IMG, 'sh', '-c', 'echo from-dockerd; echo on-stderr >&2; exit 6']);
    assert.equal(r.code, 6, r.stderr);
    assert.equal(r.stdout, 'from-dockerd\n');
    assert.equal(r.stderr, 'on-stderr\n');
    assert.equal((await viaDockerd(['run', '--rm', '-i', '--network', 'none', IMG, 'cat'], 'stdin-to-dockerd\n')).stdout, 'stdin-to-dockerd\n');
    assert.equal((await viaDockerd(['run', '--rm', '--network', 'none', IMG, 'no-such-command'])).code, 127);
    assert.equal((await viaDockerd(['run', '-d', '--name', 'dk', '--network', 'none', IMG, 'sh', '-c', 'echo logged; exec sleep 300'])).code, 0);
    assert.match((await viaDockerd(['ps', '--format', '{{.Names}} {{.State}}'])).stdout, /^dk running$/m);
    assert.equal((await viaDockerd(['exec', 'dk', 'sh', '-c', 'echo exec-ok; exit 2'])).code, 2);
    assert.equal((await viaDockerd(['logs', 'dk'])).stdout, 'logged\n');
    assert.equal((await viaDockerd(['stop', '-t', '1', 'dk'])).code, 0);
    assert.equal((await viaDockerd(['wait', 'dk'])).stdout, '137\n');
    assert.equal((await viaDockerd(['rm', 'dk'])).code, 0);
    assert.equal((await sb.run(['ps', '-a', '--filter', 'name=dk', '-q'])).stdout, '', 'none of it touched the local engine');
  });
});
