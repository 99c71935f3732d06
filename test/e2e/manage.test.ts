// Listing, tagging, removing and pruning images: docker's output, filters and exit codes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixtures, type Fixtures } from '../helpers/fixtures.js';
import { pushLayout, startRegistry, type Registry } from '../helpers/registry.js';
import { ok, sandboxes, type Sandbox } from '../helpers/berth.js';

let fx: Fixtures;
let fxDir: string;
let reg: Registry;
let archive: string;
const boxes = sandboxes();

before(async () => {
  fxDir = mkdtempSync(join(tmpdir(), 'berth-fx-'));
  fx = await buildFixtures(fxDir);
  reg = await startRegistry();
  await Promise.all(['single', 'multi', 'rich'].map((n) => pushLayout(fx.all[n].dir, `fx/${n}:v1`, reg)));
  const seed = boxes.fresh();
  for (const n of ['single', 'multi', 'rich']) await ok(seed, ['pull', '-q', `${reg.host}/fx/${n}:v1`]);
  archive = join(fxDir, 'all.tar');
  await ok(seed, ['save', '-o', archive, ...['single', 'multi', 'rich'].map((n) => `${reg.host}/fx/${n}:v1`)]);
});

after(async () => {
  await reg?.stop();
  boxes.cleanup();
  rmSync(fxDir, { recursive: true, force: true });
});

/** A store holding the three fixture images, loaded from the archive (fast, offline). */
async function stocked(): Promise<Sandbox> {
  const sb = boxes.fresh();
  await ok(sb, ['load', '-q', '-i', archive]);
  return sb;
}

const n = (x: string) => `${reg.host}/fx/${x}:v1`;
const short = (d: string) => d.slice(7, 19);

describe('images', () => {
  test('default table, -q, --no-trunc, --digests, json and templates', async () => {
    const sb = await stocked();
    const table = (await ok(sb, ['images'])).split('\n');
    assert.match(table[0], /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    const richRow = table.find((l) => l.includes('/fx/rich'))!;
    assert.match(richRow, new RegExp(`^${reg.host}/fx/rich\\s+v1\\s+${short(fx.rich.configDigest)}\\s+\\S.* ago\\s+\\d+(\\.\\d+)?[kM]?B$`));
    const q = (await ok(sb, ['images', '-q'])).trim().split('\n').sort();
    assert.deepEqual(q, [fx.single, fx.multi, fx.rich].map((f) => short(f.configDigest)).sort());
    const full = (await ok(sb, ['images', '-q', '--no-trunc'])).trim().split('\n');
    assert.ok(full.every((id) => /^sha256:[a-f0-9]{64}$/.test(id)));
    assert.match((await ok(sb, ['images', '--digests'])).split('\n')[0], /^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID\s+CREATED\s+SIZE$/);
    const json = (await ok(sb, ['images', '--format', 'json'])).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(json.length, 3);
    assert.deepEqual(Object.keys(json[0]).sort(), ['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize']);
    const custom = await ok(sb, ['images', '--format', 'table {{.ID}}\t{{.Repository}}']);
    assert.match(custom.split('\n')[0], /^IMAGE ID\s+REPOSITORY$/);
    assert.equal(await ok(sb, ['images', '--format', '{{.Tag}}|{{len .Repository}}', n('rich')]), `v1|${`${reg.host}/fx/rich`.length}\n`);
  });

  test('filters: reference, label, dangling, before/since; bad filters are refused', async () => {
    const sb = await stocked();
    const names = async (...args: string[]) => (await ok(sb, ['images', '--format', '{{.Repository}}', ...args])).trim().split('\n').filter(Boolean).sort();
    assert.deepEqual(await names('--filter', `reference=${reg.host}/fx/r*`), [`${reg.host}/fx/rich`]);
    assert.deepEqual(await names('--filter', 'reference=fx/*'), []); // anchored at the registry host
    assert.equal((await names('--filter', 'reference=*/fx/*:v1')).length, 3);
    assert.deepEqual(await names('--filter', 'reference=*/r*'), []); // '*' never crosses '/'
    assert.deepEqual(await names('--filter', 'label=maintainer=berth'), [`${reg.host}/fx/rich`]);
    assert.deepEqual(await names('--filter', 'label=org.example.a'), [`${reg.host}/fx/rich`]);
    assert.deepEqual(await names('--filter', 'dangling=true'), []);
    assert.equal((await names('--filter', 'dangling=false')).length, 3);
    await ok(sb, ['tag', n('rich'), 'again/rich:2']);
    assert.deepEqual(await names('again/rich'), ['again/rich']);
    // rich was created (2024-02-03) after single and multi (2024-01-01).
    assert.deepEqual(await names('--filter', `since=${n('single')}`), [`${reg.host}/fx/rich`, 'again/rich'].sort());
    assert.deepEqual(await names('--filter', `before=${n('rich')}`), [`${reg.host}/fx/multi`, `${reg.host}/fx/single`]);
    const bad = await sb.run(['images', '--filter', 'color=red']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid filter 'color'/);
    const malformed = await sb.run(['images', '--filter', 'nonsense']);
    assert.equal(malformed.code, 1);
    assert.match(malformed.stderr, /bad format of filter/);
  });
});

describe('tag and rmi', () => {
  test('untag vs delete, by name, short id and digest; conflict needs -f', async () => {
    const sb = await stocked();
    await ok(sb, ['tag', n('single'), 'mine/single:a']);
    await ok(sb, ['tag', short(fx.single.configDigest), 'mine/single:b']);
    await ok(sb, ['tag', n('single'), 'other/repo']);
    // Untag only: other tags remain.
    assert.equal(await ok(sb, ['rmi', 'mine/single:a']), 'Untagged: mine/single:a\n');
    // By id with tags in several repositories: refused without -f.
    const refused = await sb.run(['rmi', short(fx.single.configDigest)]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /unable to delete .* \(must be forced\) - image is referenced in multiple repositories/);
    const forced = await ok(sb, ['rmi', '-f', short(fx.single.configDigest)]);
    assert.match(forced, /Untagged: mine\/single:b/);
    assert.match(forced, /Untagged: other\/repo:latest/);
    assert.match(forced, new RegExp(`Deleted: ${fx.single.configDigest}`));
    assert.ok(!(await ok(sb, ['images', '-q'])).includes(short(fx.single.configDigest)));
    // The last tag: untag and delete, layers shared with no one go.
    const gone = await ok(sb, ['rmi', n('rich')]);
    assert.match(gone, new RegExp(`Untagged: ${n('rich')}`));
    assert.match(gone, new RegExp(`Deleted: ${fx.rich.configDigest}`));
    for (const d of fx.rich.diffIds) assert.ok(!existsSync(join(sb.root, 'storage/overlay', d.slice(7))));
    const blobs = readdirSync(join(sb.root, 'content/blobs/sha256'));
    assert.ok(!blobs.includes(fx.rich.configDigest.slice(7)));
    // Several names at once, one missing: the rest still go, exit 1.
    const mixed = await sb.run(['rmi', 'no/such:image', n('multi')]);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stderr, /No such image: no\/such:image/);
    assert.match(mixed.stdout, new RegExp(`Deleted: ${fx.multi.configDigest}`));
    assert.equal((await ok(sb, ['images', '-q'])).trim(), '');
    assert.deepEqual(readdirSync(join(sb.root, 'storage/overlay')), []);
    const index = JSON.parse(readFileSync(join(sb.root, 'content/index.json'), 'utf8'));
    assert.deepEqual(index.manifests, []);
  });

  test('a tag pointing at a digest reference is refused', async () => {
    const sb = await stocked();
    const r = await sb.run(['tag', n('single'), `x/y@${fx.single.manifestDigest}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refusing to create a tag with a digest reference/);
  });
});

describe('history, prune, info', () => {
  test('history shows docker columns, newest first, <missing> below the top', async () => {
    const sb = await stocked();
    const lines = (await ok(sb, ['history', n('multi')])).trim().split('\n');
    assert.match(lines[0], /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    assert.ok(lines[1].startsWith(short(fx.multi.configDigest)));
    assert.ok(lines.slice(2).every((l) => l.startsWith('<missing>')));
    const q = (await ok(sb, ['history', '-q', n('multi')])).trim().split('\n');
    assert.equal(q[0], short(fx.multi.configDigest));
  });

  test('image prune: dangling only by default, -a removes every unused image', async () => {
    const sb = await stocked();
    await ok(sb, ['rmi', n('single')]); // deleted: it was its only tag
    const none = await ok(sb, ['image', 'prune', '-f']);
    assert.match(none, /Total reclaimed space: 0B/);
    const all = await ok(sb, ['image', 'prune', '-a', '-f']);
    assert.match(all, /Deleted Images:/);
    assert.match(all, new RegExp(`deleted: ${fx.multi.configDigest}`));
    assert.match(all, /Total reclaimed space: \d/);
    assert.equal((await ok(sb, ['images', '-q'])).trim(), '');
    // Without -f and with "n" on stdin nothing happens.
    const sb2 = await stocked();
    const asked = await ok(sb2, ['image', 'prune', '-a'], { input: 'n\n' });
    assert.match(asked, /Are you sure you want to continue\? \[y\/N\]/);
    assert.equal((await ok(sb2, ['images', '-q'])).trim().split('\n').length, 3);
  });

  test('image prune --filter label and until pick what -a removes', async () => {
    const sb = await stocked();
    const byLabel = await ok(sb, ['image', 'prune', '-a', '-f', '--filter', 'label=maintainer=berth']);
    assert.match(byLabel, new RegExp(`deleted: ${fx.rich.configDigest}`));
    assert.doesNotMatch(byLabel, new RegExp(fx.single.configDigest));
    // until: only images created before the timestamp (the fixtures are from 2024).
    assert.match(await ok(sb, ['image', 'prune', '-a', '-f', '--filter', 'until=2000-01-01T00:00:00Z']), /^Total reclaimed space: 0B$/m);
    assert.equal((await ok(sb, ['images', '-q'])).trim().split('\n').length, 2);
    const bad = await sb.run(['image', 'prune', '-f', '--filter', 'colour=blue']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid filter 'colour'/);
  });

  test('info and version report the host and the runtimes', async () => {
    const sb = boxes.fresh();
    const info = JSON.parse(await ok(sb, ['info', '--format', 'json']));
    assert.equal(info.Root, sb.root);
    assert.equal(info.RunRoot, sb.runroot);
    assert.equal(info.Driver, 'overlay');
    assert.match(info.CgroupMode, /^(unified|hybrid|legacy)$/);
    assert.equal(info.Runtimes.runc.works, true);
    assert.equal(info.DefaultRuntime, 'runc');
    assert.equal(typeof info.Rootless, 'boolean');
    assert.equal(await ok(sb, ['info', '--format', '{{.Driver}}']), 'overlay\n');
    assert.match(await ok(sb, ['version']), /Version:\s+\d+\.\d+\.\d+/);
    const badCfg = await sb.run(['--config', join(sb.dir, 'missing.toml'), 'images']);
    assert.equal(badCfg.code, 1);
    assert.match(badCfg.stderr, /config file .* does not exist/);
  });
});
