// save/load against skopeo (the reference reader and writer), push/pull round trips, import.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync, copyFileSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixtures, type Fixtures } from '../helpers/fixtures.js';
import { pushLayout, startRegistry, run, type Registry } from '../helpers/registry.js';
import { ok, sandboxes, type Sandbox } from '../helpers/berth.js';

let fx: Fixtures;
let fxDir: string;
let reg: Registry;
let seeded: Sandbox; // holds single, multi and rich, pulled once
const boxes = sandboxes();
const fresh = boxes.fresh;

async function skopeo(args: string[]): Promise<string> {
  return (await run('skopeo', ['--insecure-policy', ...args])).stdout;
}

before(async () => {
  fxDir = mkdtempSync(join(tmpdir(), 'berth-fx-'));
  fx = await buildFixtures(fxDir);
  reg = await startRegistry();
  await Promise.all(['single', 'multi', 'rich'].map((n) => pushLayout(fx.all[n].dir, `fx/${n}:v1`, reg)));
  seeded = fresh();
  for (const n of ['single', 'multi', 'rich']) await ok(seeded, ['pull', '-q', `${reg.host}/fx/${n}:v1`]);
});

after(async () => {
  await reg?.stop();
  boxes.cleanup();
  rmSync(fxDir, { recursive: true, force: true });
});

const name = (n: string) => `${reg.host}/fx/${n}:v1`;
const inspect = async (sb: Sandbox, n: string) => JSON.parse(await ok(sb, ['image', 'inspect', n]))[0] as Record<string, any>;

describe('save and load', () => {
  test('docker-archive output is read by skopeo as docker-archive and as oci-archive', async () => {
    const out = join(seeded.dir, 'multi.tar');
    await ok(seeded, ['save', '-o', out, name('multi')]);
    const asDocker = JSON.parse(await skopeo(['inspect', `docker-archive:${out}`]));
    assert.deepEqual(asDocker.Layers, fx.multi.diffIds, 'uncompressed layers: their digests are the diff_ids');
    assert.equal(asDocker.Architecture, 'amd64');
    const asOci = JSON.parse(await skopeo(['inspect', `oci-archive:${out}:v1`]));
    assert.deepEqual(asOci.Layers, fx.multi.diffIds);
    const cfg = JSON.parse(await skopeo(['inspect', '--config', `docker-archive:${out}`]));
    assert.deepEqual(cfg.rootfs.diff_ids, fx.multi.diffIds);
  });

  test('oci-archive keeps every digest; several images in one tar; load into a fresh store', async () => {
    const out = join(seeded.dir, 'two.tar');
    await ok(seeded, ['save', '--format', 'oci-archive', '-o', out, name('single'), name('rich')]);
    const raw = JSON.parse(await skopeo(['inspect', '--raw', `oci-archive:${out}:v1`]));
    assert.ok(raw.layers.length >= 1);
    const sb = fresh();
    const loaded = await ok(sb, ['load', '-i', out]);
    assert.match(loaded, new RegExp(`Loaded image: ${name('single').replace(/[.]/g, '\\.')}`));
    assert.match(loaded, new RegExp(`Loaded image: ${name('rich').replace(/[.]/g, '\\.')}`));
    assert.equal((await inspect(sb, name('single'))).Id, fx.single.configDigest);
    const rich = await inspect(sb, name('rich'));
    assert.equal(rich.Id, fx.rich.configDigest);
    assert.equal(rich.Descriptor.digest, fx.rich.manifestDigest, 'manifest digest preserved');
  });

  test('save to stdout and load from stdin', async () => {
    const tarBytes = execFileSync(join(process.cwd(), 'bin', 'berth'), ['--root', seeded.root, '--runroot', seeded.runroot, 'save', name('multi')], { env: seeded.env, maxBuffer: 64 << 20 });
    const sb = fresh();
    const out = await ok(sb, ['load'], { input: tarBytes });
    assert.match(out, /Loaded image: /);
    assert.equal((await inspect(sb, name('multi'))).Id, fx.multi.configDigest);
  });

  test('load reads what skopeo copy writes (docker-archive and oci-archive)', async () => {
    const dock = join(fxDir, 'sk-docker.tar');
    const oci = join(fxDir, 'sk-oci.tar');
    await skopeo(['copy', `oci:${fx.multi.dir}:${fx.multi.tag}`, `docker-archive:${dock}:example/multi:sk`]);
    await skopeo(['copy', `oci:${fx.rich.dir}:${fx.rich.tag}`, `oci-archive:${oci}:example/rich:sk`]);
    const sb = fresh();
    assert.match(await ok(sb, ['load', '-i', dock]), /Loaded image: example\/multi:sk/);
    assert.equal((await inspect(sb, 'example/multi:sk')).Id, fx.multi.configDigest);
    assert.match(await ok(sb, ['load', '-i', oci]), /Loaded image: example\/rich:sk/);
    assert.equal((await inspect(sb, 'example/rich:sk')).Id, fx.rich.configDigest);
  });

  test('a corrupt or non-tar archive is refused and nothing is stored', async () => {
    const sb = fresh();
    const junk = join(sb.dir, 'junk.tar');
    writeFileSync(junk, 'not a tar file at all');
    const r = await sb.run(['load', '-i', junk]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error: /);
    assert.equal((await ok(sb, ['images', '-q'])).trim(), '');
  });
});

describe('push', () => {
  test('push then pull under a new name gives identical digests', async () => {
    await ok(seeded, ['tag', name('multi'), `${reg.host}/copies/multi:pushed`]);
    const out = await ok(seeded, ['push', `${reg.host}/copies/multi:pushed`]);
    assert.match(out, /The push refers to repository/);
    assert.match(out, new RegExp(`pushed: digest: ${fx.multi.manifestDigest} size: \\d+`));
    const remote = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/copies/multi:pushed`]);
    assert.equal(remote.trim(), readFileSync(join(fx.multi.dir, 'blobs/sha256', fx.multi.manifestDigest.slice(7)), 'utf8').trim());
    const sb = fresh();
    await ok(sb, ['pull', `${reg.host}/copies/multi:pushed`]);
    const img = await inspect(sb, `${reg.host}/copies/multi:pushed`);
    assert.equal(img.Id, fx.multi.configDigest);
    assert.deepEqual(img.RepoDigests, [`${reg.host}/copies/multi@${fx.multi.manifestDigest}`]);
    // Pushing again: every layer is already there.
    assert.match(await ok(seeded, ['push', `${reg.host}/copies/multi:pushed`]), /Layer already exists/);
  });

  test('an image loaded from an archive pushes and pulls back the same', async () => {
    const sb = fresh();
    const t = join(sb.dir, 'x.tar');
    await ok(seeded, ['save', '-o', t, name('single')]);
    await ok(sb, ['load', '-i', t]);
    await ok(sb, ['tag', name('single'), `${reg.host}/loaded/single:1`]);
    await ok(sb, ['push', '-q', `${reg.host}/loaded/single:1`]);
    const other = fresh();
    await ok(other, ['pull', `${reg.host}/loaded/single:1`]);
    assert.equal((await inspect(other, `${reg.host}/loaded/single:1`)).Id, fx.single.configDigest);
  });

  test('pushing to another repository of the same registry mounts the layers from the source', async () => {
    await ok(seeded, ['tag', name('rich'), `${reg.host}/mounted/rich:1`]);
    const out = await ok(seeded, ['push', `${reg.host}/mounted/rich:1`]);
    assert.match(out, /Mounted from fx\/rich/);
    assert.doesNotMatch(out, /: Pushed/);
    const sb = fresh();
    await ok(sb, ['pull', `${reg.host}/mounted/rich:1`]);
    assert.equal((await inspect(sb, `${reg.host}/mounted/rich:1`)).Id, fx.rich.configDigest);
  });

  test('pushing a missing image fails with docker\'s message', async () => {
    const r = await seeded.run(['push', `${reg.host}/nope/nothing:1`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /An image does not exist locally with the tag/);
  });
});

describe('import', () => {
  test('a rootfs tarball from a file or stdin becomes an image, with --change and -m', async () => {
    const sb = fresh();
    const rootfs = join(sb.dir, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
    symlinkSync('busybox', join(rootfs, 'bin/sh'));
    const tgz = join(sb.dir, 'rootfs.tgz');
    execFileSync('tar', ['-C', rootfs, '-czf', tgz, '.']);
    const id = (await ok(sb, ['import', '-c', 'CMD ["/bin/sh","-c","echo hi"]', '-c', 'ENV A=1 B="two words"', '-c', 'EXPOSE 8080', '-c', 'WORKDIR /srv', '-m', 'hello import', tgz, 'imported/app:1'])).trim();
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    const img = await inspect(sb, 'imported/app:1');
    assert.equal(img.Id, id);
    assert.deepEqual(img.Config.Cmd, ['/bin/sh', '-c', 'echo hi']);
    assert.deepEqual(img.Config.Env, ['A=1', 'B=two words']);
    assert.deepEqual(img.Config.ExposedPorts, { '8080/tcp': {} });
    assert.equal(img.Config.WorkingDir, '/srv');
    assert.equal(img.Comment, 'hello import');
    const hist = await ok(sb, ['history', '--format', '{{.Comment}}', 'imported/app:1']);
    assert.equal(hist.trim(), 'hello import');
    const fromStdin = (await ok(sb, ['import', '-', 'imported/stdin'], { input: readFileSync(tgz) })).trim();
    assert.match(fromStdin, /^sha256:/);
    assert.equal((await inspect(sb, 'imported/stdin:latest')).RootFS.Layers.length, 1);
    const bad = await sb.run(['import', '-c', 'RUN echo no', tgz]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /RUN is not a valid change command/);
  });
});
