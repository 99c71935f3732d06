// Pull from a real registry (Debian's docker-registry on 127.0.0.1), with the CLI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, readdirSync, readlinkSync, statSync, existsSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAttributeSync } from '@napi-rs/xattr';
import { buildFixtures, type Fixtures } from '../helpers/fixtures.js';
import { pushLayout, startRegistry, type Registry } from '../helpers/registry.js';
import { ok, sandboxes, type Sandbox } from '../helpers/berth.js';
import { chainIds } from '../../src/storage/snapshots.js';

let fx: Fixtures;
let reg: Registry;
let authReg: Registry;
let fxDir: string;
const boxes = sandboxes();
const fresh = boxes.fresh;

before(async () => {
  fxDir = mkdtempSync(join(tmpdir(), 'berth-fx-'));
  fx = await buildFixtures(fxDir);
  [reg, authReg] = await Promise.all([startRegistry(), startRegistry({ auth: { user: 'alice', password: 's3cret' } })]);
  await Promise.all([
    ...['single', 'multi', 'rich', 'zstd', 'docker', 'multiarch'].map((n) => pushLayout(fx.all[n]?.dir ?? fx.multiarch.dir, `fx/${n}:v1`, reg)),
    pushLayout(fx.single.dir, `private/single:v1`, authReg),
  ]);
});

after(async () => {
  await Promise.all([reg?.stop(), authReg?.stop()]);
  boxes.cleanup();
  rmSync(fxDir, { recursive: true, force: true });
});

function inspect(sb: Sandbox, name: string): Promise<Record<string, any>> {
  return ok(sb, ['image', 'inspect', name]).then((s) => JSON.parse(s)[0]);
}

function diffDir(sb: Sandbox, diffIds: string[], i: number): string {
  return join(sb.root, 'storage', 'overlay', chainIds(diffIds)[i].slice(7), 'diff');
}

describe('pull', () => {
  test('every fixture image pulls, and is stored under its config digest', async () => {
    const sb = fresh();
    for (const n of ['single', 'multi', 'rich', 'zstd', 'docker']) {
      const f = fx.all[n];
      const out = await ok(sb, ['pull', `${reg.host}/fx/${n}:v1`]);
      assert.match(out, new RegExp(`Digest: ${f.digest}`));
      assert.match(out, /Status: Downloaded newer image for/);
      assert.ok(out.trimEnd().endsWith(`${reg.host}/fx/${n}:v1`), out);
      const img = await inspect(sb, `${reg.host}/fx/${n}:v1`);
      assert.equal(img.Id, f.configDigest);
      assert.deepEqual(img.RepoTags, [`${reg.host}/fx/${n}:v1`]);
      assert.deepEqual(img.RepoDigests, [`${reg.host}/fx/${n}@${f.digest}`]);
      assert.deepEqual(img.RootFS.Layers, f.diffIds);
    }
    const list = await ok(sb, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.deepEqual(list.trim().split('\n').sort(), ['single', 'multi', 'rich', 'zstd', 'docker'].map((n) => `${reg.host}/fx/${n}:v1`).sort());
  });

  test('layers are unpacked in overlay form: whiteouts, opaque dirs, owners, modes, links, xattrs', async () => {
    const sb = fresh();
    await ok(sb, ['pull', `${reg.host}/fx/multi:v1`]);
    const f = fx.multi;
    const l1 = diffDir(sb, f.diffIds, 0);
    const l2 = diffDir(sb, f.diffIds, 1);
    const l3 = diffDir(sb, f.diffIds, 2);
    assert.equal(statSync(join(l1, 'bin/busybox')).size, fx.busybox.size);
    assert.equal(statSync(join(l1, 'bin/busybox')).mode & 0o7777, 0o755);
    assert.equal(readlinkSync(join(l1, 'bin/sh')), 'busybox');
    const wh = lstatSync(join(l2, 'etc/removed.txt'));
    assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'whiteout is a 0:0 char device');
    assert.equal(getAttributeSync(join(l2, 'opt/old'), 'trusted.overlay.opaque')?.toString(), 'y');
    const priv = statSync(join(l2, 'data/private'));
    assert.equal(priv.mode & 0o7777, 0o640);
    assert.equal(priv.uid, 1000);
    assert.equal(priv.gid, 1000);
    assert.equal(statSync(join(l2, 'data/hardlink')).ino, statSync(join(l2, 'data/file.txt')).ino);
    assert.equal(readlinkSync(join(l2, 'data/symlink')), 'file.txt');
    assert.equal(getAttributeSync(join(l2, 'data/xattr.txt'), 'user.test')?.toString(), 'hello');
    assert.equal(readFileSync(join(l3, 'layer3.txt'), 'utf8'), 'layer 3\n');
    const hist = await ok(sb, ['history', '--no-trunc', '--format', '{{.Size}}', `${reg.host}/fx/multi:v1`]);
    assert.equal(hist.trim().split('\n').length, (f.images[0].config.history as unknown[]).length);
  });

  test('pull by digest, pull again is up to date, -q prints only the name', async () => {
    const sb = fresh();
    const f = fx.single;
    const out = await ok(sb, ['pull', `${reg.host}/fx/single@${f.digest}`]);
    assert.ok(out.trimEnd().endsWith(`${reg.host}/fx/single@${f.digest}`));
    const list = await ok(sb, ['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']);
    assert.equal(list.trim(), `${reg.host}/fx/single <none> ${f.digest}`);
    const again = await ok(sb, ['pull', `${reg.host}/fx/single:v1`]);
    assert.match(again, /Status: Downloaded newer image for/); // new tag, same image
    const third = await ok(sb, ['pull', `${reg.host}/fx/single:v1`]);
    assert.match(third, /Status: Image is up to date for/);
    const q = await ok(sb, ['pull', '-q', `${reg.host}/fx/single:v1`]);
    assert.equal(q, `${reg.host}/fx/single:v1\n`);
  });

  test('pull -a fetches every tag of the repository', async () => {
    await Promise.all([pushLayout(fx.single.dir, 'fx/alltags:one', reg), pushLayout(fx.rich.dir, 'fx/alltags:two', reg)]);
    const sb = fresh();
    const out = await ok(sb, ['pull', '-a', `${reg.host}/fx/alltags`]);
    assert.match(out, new RegExp(`${reg.host}/fx/alltags\n$`));
    const tags = (await ok(sb, ['images', '--format', '{{.Tag}} {{.ID}}', `${reg.host}/fx/alltags`])).trim().split('\n').sort();
    assert.deepEqual(tags, [`one ${fx.single.configDigest.slice(7, 19)}`, `two ${fx.rich.configDigest.slice(7, 19)}`]);
    const bad = await sb.run(['pull', '-a', `${reg.host}/fx/alltags:one`]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /tag can't be used with --all-tags/);
  });

  test('the right platform out of an index', async () => {
    const sb = fresh();
    const name = `${reg.host}/fx/multiarch:v1`;
    await ok(sb, ['pull', name]);
    const amd = await inspect(sb, name);
    assert.equal(amd.Architecture, 'amd64');
    assert.equal(amd.Id, fx.multiarch.platforms['linux/amd64'].configDigest);
    await ok(sb, ['pull', '--platform', 'linux/arm64', name]);
    const arm = await inspect(sb, name);
    assert.equal(arm.Architecture, 'arm64');
    assert.equal(arm.Id, fx.multiarch.platforms['linux/arm64'].configDigest);
    const ids = arm.RootFS.Layers as string[];
    assert.equal(readFileSync(join(diffDir(sb, ids, ids.length - 1), 'etc/arch'), 'utf8').trim(), 'arm64');
    const r = await sb.run(['pull', '--platform', 'linux/s390x', name]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no matching manifest for linux\/s390x/);
  });

  test('auth registry: refused anonymously, works after login, logout forgets', async () => {
    const sb = fresh();
    const name = `${authReg.host}/private/single:v1`;
    const denied = await sb.run(['pull', name]);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /authentication required|unauthorized/i);
    const bad = await sb.run(['login', '-u', 'alice', '--password-stdin', authReg.host], { input: 'wrong\n' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unauthorized|incorrect/i);
    const login = await ok(sb, ['login', '-u', 'alice', '--password-stdin', authReg.host], { input: 's3cret\n' });
    assert.match(login, /Login Succeeded/);
    const cfg = JSON.parse(readFileSync(join(sb.dockerConfig, 'config.json'), 'utf8'));
    assert.equal(Buffer.from(cfg.auths[authReg.host].auth, 'base64').toString(), 'alice:s3cret');
    assert.equal(statSync(join(sb.dockerConfig, 'config.json')).mode & 0o777, 0o600);
    await ok(sb, ['pull', name]);
    assert.match(await ok(sb, ['logout', authReg.host]), /Removing login credentials for/);
    assert.match(await ok(sb, ['logout', authReg.host]), /Not logged in to/);
  });

  test('credential helpers named by credsStore and credHelpers are used', async () => {
    const sb = fresh();
    const bin = join(sb.dir, 'bin');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(bin);
    mkdirSync(sb.dockerConfig, { recursive: true });
    // A real helper program speaking the docker-credential protocol (get only).
    writeFileSync(join(bin, 'docker-credential-testhelper'), `#!/bin/sh\n[ "$1" = get ] || exit 1\nread host\necho '{"ServerURL":"'$host'","Username":"alice","Secret":"s3cret"}'\n`, { mode: 0o755 });
    writeFileSync(join(sb.dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'testhelper' }));
    await ok(sb, ['pull', `${authReg.host}/private/single:v1`], { env: { PATH: `${bin}:${process.env.PATH}` } });
    // credHelpers names a helper per registry, ahead of credsStore.
    writeFileSync(join(sb.dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'missing-helper', credHelpers: { [authReg.host]: 'testhelper' } }));
    await ok(sb, ['rmi', `${authReg.host}/private/single:v1`]);
    await ok(sb, ['pull', `${authReg.host}/private/single:v1`], { env: { PATH: `${bin}:${process.env.PATH}` } });
  });

  test('concurrent pulls of the same image into one store both succeed', async () => {
    const sb = fresh();
    const name = `${reg.host}/fx/multi:v1`;
    const [a, b] = await Promise.all([sb.run(['pull', name]), sb.run(['pull', name])]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal((await ok(sb, ['images', '-q'])).trim(), fx.multi.configDigest.slice(7, 19));
    assert.deepEqual(readdirSync(join(sb.root, 'storage', 'tmp')), []);
  });

  test('bad references and unknown images fail clearly', async () => {
    const sb = fresh();
    const upper = await sb.run(['pull', 'Busybox']);
    assert.equal(upper.code, 1);
    assert.match(upper.stderr, /invalid reference format: repository name must be lowercase/);
    const missing = await sb.run(['pull', `${reg.host}/fx/nope:v1`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found|manifest unknown/);
    const flag = await sb.run(['pull', '--bogus', 'x']);
    assert.equal(flag.code, 125);
    assert.match(flag.stderr, /unknown flag: --bogus/);
    assert.ok(!existsSync(join(sb.root, 'storage', 'overlay')) || readdirSync(join(sb.root, 'storage', 'overlay')).length === 0);
  });
});
