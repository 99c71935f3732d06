// berth as ordinary users: each inside a user namespace of its own (root = the user, the
// rest from /etc/subuid), with state that no other user can see.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxEntries, makeTar, BUSYBOX_PATH } from '../helpers/fixtures.js';
import { BERTH, ok, sandboxes, type Sandbox } from '../helpers/berth.js';
import { freePort, startRegistry, type Registry } from '../helpers/registry.js';
import { canRunBerth, createUser, type TestUser } from '../helpers/users.js';

const DOCKER = existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : 'docker';
const boxes = sandboxes();
let root: Sandbox;
let reg: Registry;
let work: string;
let alice: TestUser;
let bob: TestUser;
let ref: string;
let skip: string | false = false;
let tunUsable = false;

async function as(u: TestUser, args: string[], opts?: { input?: string | Buffer }): Promise<string> {
  const r = await u.berth(args, opts);
  if (r.code !== 0) throw new Error(`${u.name}: berth ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-rootless-'));
  chmodSync(work, 0o755);
  const tag = String(process.pid % 100000);
  alice = createUser(`brla${tag}`, 300000);
  bob = createUser(`brlb${tag}`, 400000);
  if (!(await canRunBerth(alice))) {
    skip = 'the test users cannot run berth from this checkout (a directory above it is not readable by others)';
    return;
  }
  tunUsable = (await alice.exec('sh', ['-c', 'exec 3<>/dev/net/tun'])).code === 0;
  // An image whose layer holds a file owned by an id beyond any user's subordinate range.
  const { tar } = await makeTar([
    ...busyboxEntries(readFileSync(BUSYBOX_PATH)),
    { path: 'opt/', type: 'directory' },
    { path: 'opt/foreign', type: 'file', content: 'owned by 70000\n', uid: 70000, gid: 70000 },
  ]);
  writeFileSync(join(work, 'rootfs.tar'), tar);
  root = boxes.fresh();
  reg = await startRegistry();
  ref = `${reg.host}/rootless/box:1`;
  await ok(root, ['import', '-c', 'CMD ["sh"]', join(work, 'rootfs.tar'), ref]);
  await ok(root, ['push', ref]);
});

after(async () => {
  alice?.remove();
  bob?.remove();
  await reg?.stop();
  boxes.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('rootless', () => {
  test('pull, run, run -d, exec, logs, cp, stop, rm as an ordinary user', async (t) => {
    if (skip) return t.skip(skip);
    await as(alice, ['pull', '-q', ref]);
    assert.match(await as(alice, ['images', '--format', '{{.Repository}}:{{.Tag}}']), new RegExp(`^${reg.host}/rootless/box:1$`, 'm'));
    assert.equal(await as(alice, ['run', '--rm', '--network', 'none', ref, 'id']), 'uid=0(root) gid=0(root)\n');
    // Root in the container is the user on the host.
    const map = (await as(alice, ['run', '--rm', '--network', 'none', ref, 'cat', '/proc/self/uid_map'])).trim().split('\n')[0].trim().split(/\s+/);
    assert.deepEqual(map, ['0', String(alice.uid), '1']);
    // A file owned by an id the user cannot map is kept, owned by the container's root.
    assert.equal(await as(alice, ['run', '--rm', '--network', 'none', ref, 'sh', '-c', 'stat -c %u /opt/foreign; cat /opt/foreign']), '0\nowned by 70000\n');
    await as(alice, ['run', '-d', '--name', 'worker', '--network', 'none', ref, 'sh', '-c', 'echo started; exec sleep 300']);
    assert.match(await as(alice, ['ps', '--format', '{{.Names}} {{.Status}}']), /^worker Up/m);
    assert.equal(await as(alice, ['exec', 'worker', 'sh', '-c', 'echo from exec; id -u']), 'from exec\n0\n');
    assert.equal(await as(alice, ['logs', 'worker']), 'started\n');
    // No cgroup here (cgroup v1 cannot be delegated): top reads the container's PID namespace.
    assert.match(await as(alice, ['top', 'worker']), /sleep 300/);
    await as(alice, ['cp', 'worker:/etc/passwd', `${alice.home}/passwd-copy`]);
    assert.match(readFileSync(`${alice.home}/passwd-copy`, 'utf8'), /^root:x:0:0/);
    assert.equal(statSync(`${alice.home}/passwd-copy`).uid, alice.uid);
    await as(alice, ['stop', '-t', '1', 'worker']);
    await as(alice, ['rm', 'worker']);
    assert.equal((await as(alice, ['ps', '-aq'])).trim(), '');
  });

  test('build as an ordinary user', async (t) => {
    if (skip) return t.skip(skip);
    const ctx = join(work, 'ctx');
    mkdirSync(ctx, { mode: 0o755 });
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${ref}\nCOPY note.txt /note.txt\nRUN echo built >> /note.txt && mkdir -p /gone/x && rm -rf /gone\n`);
    writeFileSync(join(ctx, 'note.txt'), 'copied\n');
    chmodSync(join(ctx, 'Dockerfile'), 0o644);
    chmodSync(join(ctx, 'note.txt'), 0o644);
    await as(alice, ['build', '-q', '--network', 'none', '-t', 'mine:1', ctx]);
    assert.equal(await as(alice, ['run', '--rm', '--network', 'none', 'mine:1', 'cat', '/note.txt']), 'copied\nbuilt\n');
  });

  test('--userns=keep-id: the user is themselves in the container, and bind-mounted files keep their owner', async (t) => {
    if (skip) return t.skip(skip);
    const shared = join(alice.home, 'shared');
    await alice.exec('mkdir', ['-p', shared]);
    await alice.exec('sh', ['-c', `echo mine > ${shared}/file`]);
    const out = await as(alice, ['run', '--rm', '--network', 'none', '--userns', 'keep-id', '-v', `${shared}:/data`, ref, 'sh', '-c', 'id -u; stat -c %u /data/file; touch /data/made-inside']);
    assert.equal(out, `${alice.uid}\n${alice.uid}\n`);
    assert.equal(statSync(join(shared, 'made-inside')).uid, alice.uid);
    const plain = await as(alice, ['run', '--rm', '--network', 'none', '-v', `${shared}:/data`, ref, 'stat', '-c', '%u', '/data/file']);
    assert.equal(plain, '0\n');
    // keep-id on a bridge: the container's network namespace is its own user namespace's, so exec joins both.
    await as(alice, ['run', '-d', '--name', 'kept', '--userns', 'keep-id', ref, 'sleep', '300']);
    assert.match(await as(alice, ['exec', 'kept', 'ip', '-o', '-4', 'addr', 'show', 'eth0']), /inet 10\./);
    await as(alice, ['rm', '-f', 'kept']);
  });

  test('--userns=auto: each container its own slice of ids, the image still owned by its root, exec on a bridge', async (t) => {
    if (skip) return t.skip(skip);
    await as(alice, ['run', '-d', '--name', 'auto1', '--userns', 'auto', ref, 'sleep', '300']);
    await as(alice, ['run', '-d', '--name', 'auto2', '--userns', 'auto:size=2048', '--network', 'none', ref, 'sleep', '300']);
    const map = async (name: string) => (await as(alice, ['exec', name, 'cat', '/proc/self/uid_map'])).trim().split(/\s+/).map(Number);
    const [in1, base1, size1] = await map('auto1');
    const [in2, base2, size2] = await map('auto2');
    assert.deepEqual([in1, size1, in2, size2], [0, 1024, 0, 2048]);
    assert.ok(base1 + size1 <= base2 || base2 + size2 <= base1, `slices overlap: ${base1}+${size1} and ${base2}+${size2}`);
    assert.equal(await as(alice, ['exec', 'auto1', 'sh', '-c', 'id -u; stat -c %u /bin/busybox; echo made > /made && cat /made; ip -o -4 addr show eth0 | wc -l']), '0\n0\nmade\n1\n');
    assert.deepEqual((await as(alice, ['diff', 'auto1'])).trim().split('\n'), ['A /made']);
    const vol = await alice.berth(['run', '--rm', '--userns', 'auto', '-v', `${alice.home}:/h`, ref, 'true']);
    assert.notEqual(vol.code, 0);
    assert.match(vol.stderr, /not supported with --userns=auto yet/);
    await as(alice, ['rm', '-f', 'auto1', 'auto2']);
  });

  test('limits that cannot be enforced are warned about, and info says rootless with the mapping', async (t) => {
    if (skip) return t.skip(skip);
    const r = await alice.berth(['run', '--rm', '--network', 'none', '--memory', '32m', ref, 'true']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /rootless: resource limits are not enforced/);
    const info = await as(alice, ['info']);
    assert.match(info, /Rootless: true/);
    assert.match(info, new RegExp(`UID map: 0->${alice.uid}\\+1 1->\\d+\\+65536`));
    assert.match(info, new RegExp(`Root Dir: ${alice.home}/.local/share/berth`));
  });

  test('networks: the default bridge, a user network with two containers talking by name and alias, a published port', async (t) => {
    if (skip) return t.skip(skip);
    if (!tunUsable) return t.skip('/dev/net/tun is not usable by users (scripts/setup.sh makes it 0666)');
    assert.match(await as(alice, ['run', '--rm', ref, 'ip', '-o', '-4', 'addr', 'show', 'eth0']), /inet 10\.\d+\.\d+\.\d+\//);
    await as(alice, ['network', 'create', 'appnet']);
    const port = await freePort();
    await as(alice, ['run', '-d', '--name', 'web', '--network', 'appnet', '--network-alias', 'site', '-p', `127.0.0.1:${port}:80`, ref, 'sh', '-c', 'mkdir -p /www && echo served-rootless > /www/index.html && exec httpd -f -p 80 -h /www']);
    const byName = await as(alice, ['run', '--rm', '--network', 'appnet', ref, 'sh', '-c', 'for i in $(seq 50); do wget -qO- http://web/index.html && break; sleep 0.1; done; wget -qO- http://site/index.html']);
    assert.equal(byName, 'served-rootless\nserved-rootless\n');
    // The host reaches it through the published port (slirp4netns forwards it into the user's namespace).
    let body = '';
    for (let i = 0; i < 50 && !body; i++) {
      body = await fetch(`http://127.0.0.1:${port}/index.html`).then((r) => r.text()).catch(() => '');
      if (!body) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(body, 'served-rootless\n');
    assert.equal((await as(alice, ['port', 'web'])).trim(), `80/tcp -> 127.0.0.1:${port}`);
    const low = await alice.berth(['run', '--rm', '-p', '80:80', ref, 'true']);
    assert.notEqual(low.code, 0);
    assert.match(low.stderr, /ports below \d+ are privileged on this host \(allow them with: sudo sysctl net\.ipv4\.ip_unprivileged_port_start=80\)/);
    await as(alice, ['rm', '-f', 'web']);
    await as(alice, ['network', 'rm', 'appnet']);
    const closed = await fetch(`http://127.0.0.1:${port}/`).then(() => 'open').catch(() => 'closed');
    assert.equal(closed, 'closed', 'the forward went with the container');
  });

  test('the Engine API on the user\'s own socket (0600), with the docker CLI as the client', async (t) => {
    if (skip) return t.skip(skip);
    const sock = join(alice.runtimeDir, 'berth', 'berth.sock');
    // The service idles out by itself once the test is done with it.
    const service = alice.exec(BERTH, ['system', 'service', '--time', '3']);
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    const st = statSync(sock);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.uid, alice.uid);
    const docker = (args: string[]) => alice.exec(DOCKER, args, { env: { DOCKER_HOST: `unix://${sock}` } });
    const run = await docker(['run', '--rm', '--network', 'none', ref, 'echo', 'through-the-api']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'through-the-api\n');
    assert.match((await docker(['info', '--format', '{{json .SecurityOptions}}'])).stdout, /rootless/);
    assert.notEqual((await bob.exec(DOCKER, ['-H', `unix://${sock}`, 'ps'])).code, 0, 'another user cannot use the socket');
    assert.equal((await service).code, 0);
  });

  test('storage: fuse-overlayfs when asked (where the kernel cannot overlay in a user namespace), with diff and commit', async (t) => {
    if (skip) return t.skip(skip);
    if ((await alice.exec('sh', ['-c', 'exec 3<>/dev/fuse'])).code !== 0) return t.skip('/dev/fuse is not usable by users (scripts/setup.sh makes it 0666)');
    const cfg = join(alice.home, '.config', 'berth', 'berth.toml');
    await alice.exec('mkdir', ['-p', join(alice.home, '.config', 'berth')]);
    await alice.exec('sh', ['-c', `printf '[storage]\\nrootless_overlay = "fuse-overlayfs"\\n' > ${cfg}`]);
    try {
      const out = await as(alice, ['run', '--name', 'fz', '--network', 'none', ref, 'sh', '-c', 'grep -c "^fuse-overlayfs / " /proc/mounts; rm /bin/wget; mkdir -p /made/deep && echo kept > /made/deep/file']);
      assert.equal(out, '1\n');
      assert.deepEqual((await as(alice, ['diff', 'fz'])).trim().split('\n'), ['C /bin', 'D /bin/wget', 'A /made', 'A /made/deep', 'A /made/deep/file']);
      await as(alice, ['commit', 'fz', 'fz:1']);
      assert.equal(await as(alice, ['run', '--rm', '--network', 'none', 'fz:1', 'sh', '-c', 'cat /made/deep/file; test -e /bin/wget || echo gone']), 'kept\ngone\n');
      await as(alice, ['rm', 'fz']);
    } finally {
      await alice.exec('rm', ['-f', cfg]);
    }
  });

  test('another user sees nothing of the first: images, containers, state, logs', async (t) => {
    if (skip) return t.skip(skip);
    await as(alice, ['run', '-d', '--name', 'private', '--network', 'none', ref, 'sh', '-c', 'echo secret-log-line; exec sleep 300']);
    assert.equal((await as(bob, ['images', '-q'])).trim(), '');
    assert.equal((await as(bob, ['ps', '-aq'])).trim(), '');
    const peek = await bob.exec('ls', [`${alice.home}/.local/share/berth`]);
    assert.notEqual(peek.code, 0);
    const peekRun = await bob.exec('ls', [join(alice.runtimeDir, 'berth')]);
    assert.notEqual(peekRun.code, 0);
    for (const dir of [`${alice.home}/.local/share/berth`, join(alice.runtimeDir, 'berth')]) {
      assert.equal(statSync(dir).mode & 0o077, 0, `${dir} is private`);
    }
    assert.equal((await bob.berth(['logs', 'private'])).code, 1);
    await as(alice, ['rm', '-f', 'private']);
  });
});
