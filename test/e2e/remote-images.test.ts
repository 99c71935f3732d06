// The image commands against a remote engine (`berth -H unix://...` to `berth system service`):
// each says what it says locally, in docker's words, and does it to the service's store (the
// local view agrees). Registry credentials are the client's (its own DOCKER_CONFIG), sent per
// request; login and logout never reach the engine.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { makeTar } from '../helpers/fixtures.js';
import { ok, sandboxes, type RunResult, type Sandbox } from '../helpers/berth.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { clearEngine, startService, stopServer, writeRootfsTar, type Server } from '../helpers/server.js';

const IMG = 'test/rbox:1';
const boxes = sandboxes();
let sb: Sandbox;
let work: string;
let sock: string;
/** the client's docker config: never the service's (sb.dockerConfig) */
let clientConfig: string;
let service: Server | undefined;
let reg: Registry;
let authReg: Registry;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-rimg-'));
  clientConfig = join(work, 'client-docker');
  const rootfs = await writeRootfsTar(work);
  sb = boxes.fresh();
  sock = join(sb.dir, 'api.sock');
  await ok(sb, ['import', '-c', 'CMD ["sh"]', '-c', 'ENV PATH=/bin', rootfs, IMG]);
  [reg, authReg] = await Promise.all([startRegistry(), startRegistry({ auth: { user: 'alice', password: 's3cret' } })]);
  service = await startService(sb, sock);
});

after(async () => {
  await stopServer(service);
  if (sb) await clearEngine(sb);
  await Promise.all([reg?.stop(), authReg?.stop()]);
  boxes.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const clientEnv = () => ({ DOCKER_CONFIG: clientConfig });
/** berth -H unix://SOCK ARGS, as a client with its own docker config */
const remote = (args: string[], input?: string | Buffer): Promise<RunResult> => sb.run(['-H', `unix://${sock}`, ...args], { input, env: clientEnv() });
const remoteOk = (args: string[], input?: string | Buffer): Promise<string> => ok(sb, ['-H', `unix://${sock}`, ...args], { input, env: clientEnv() });
const local = (args: string[], input?: string | Buffer): Promise<RunResult> => sb.run(args, { input, env: clientEnv() });
const localOk = (args: string[], input?: string | Buffer): Promise<string> => ok(sb, args, { input, env: clientEnv() });

/** Relative times and build step durations, which move between two runs. */
const steady = (s: string) =>
  s
    .replace(/(Less than a second|About a minute|About an hour|\d+ (seconds?|minutes?|hours?)) ago/g, 'AGO')
    .replace(/ \d+\.\d+s$/gm, ' Ns')
    .replace(/^(#\d+) \d+\.\d+ /gm, '$1 T ')
    // a table's columns widen with the text in them ("9 seconds ago", "10 seconds ago")
    .replace(/ {2,}/g, '  ');

async function same(args: string[]): Promise<string> {
  const [r, l] = await Promise.all([remoteOk(args), localOk(args)]);
  assert.equal(steady(r), steady(l), `berth ${args.join(' ')}: remote and local differ`);
  return r;
}

describe('listing and inspecting', () => {
  test('images, image ls, inspect, history: the same as locally, in every form', async () => {
    await localOk(['tag', IMG, 'test/rbox:other']);
    for (const args of [
      ['images'],
      ['image', 'ls', '--digests', '--no-trunc'],
      ['images', '-q'],
      ['images', '--format', 'json'],
      ['images', '--format', '{{.Repository}} {{.Tag}} {{.ID}} {{.Size}} {{.Containers}} {{.CreatedAt}}'],
      ['images', 'test/rbox'],
      ['images', '--filter', 'reference=test/*:other'],
      ['image', 'inspect', IMG],
      ['image', 'inspect', '-f', '{{.Id}} {{.RepoTags}} {{.Config.Cmd}}', IMG, 'test/rbox:other'],
      ['inspect', '-f', '{{.Id}} {{.Os}}', IMG],
      ['history', IMG],
      ['history', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}|{{.Tags}}', IMG],
      ['history', '--human=false', IMG],
    ]) {
      await same(args);
    }
    const ls = await remoteOk(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.ok(ls.split('\n').includes('test/rbox:other'), ls);
    for (const args of [['inspect', 'no-such-thing'], ['image', 'inspect', 'no-such-thing'], ['history', 'no-such-thing']]) {
      const [r, l] = await Promise.all([remote(args), local(args)]);
      assert.equal(r.code, 1);
      assert.deepEqual([r.code, r.stdout, r.stderr], [l.code, l.stdout, l.stderr], args.join(' '));
    }
    assert.match((await remote(['inspect', 'no-such-thing'])).stderr, /Error: No such object: no-such-thing/);
    await localOk(['rmi', 'test/rbox:other']);
  });
});

describe('tag and rmi', () => {
  test('tag makes a name the local view sees; rmi prints docker\'s Untagged:/Deleted: lines, and errors per name', async () => {
    await remoteOk(['tag', IMG, 'test/tagged:a']);
    await remoteOk(['image', 'tag', IMG, 'test/tagged']);
    const tags = (await localOk(['images', '--format', '{{.Repository}}:{{.Tag}}', 'test/tagged'])).trim().split('\n').sort();
    assert.deepEqual(tags, ['test/tagged:a', 'test/tagged:latest']);
    const r = await remote(['rmi', 'test/tagged:a', 'no-such-image', 'test/tagged']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'Untagged: test/tagged:a\nUntagged: test/tagged:latest\n');
    assert.equal(r.stderr, 'Error: No such image: no-such-image\n');
    const bad = await remote(['tag', IMG, 'test/tagged@sha256:' + 'a'.repeat(64)]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /refusing to create a tag with a digest reference/);
    // a copy with its own id, removed with -f: the image goes too
    const id = (await remoteOk(['import', join(work, 'rootfs.tar'), 'test/gone:1'])).trim();
    await remoteOk(['tag', 'test/gone:1', 'other/gone:1']);
    const conflict = await remote(['rmi', id]);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /must be forced/);
    const forced = await remoteOk(['rmi', '-f', id]);
    assert.deepEqual(forced.split('\n').filter((l) => l.startsWith('Untagged: ')).sort(), ['Untagged: other/gone:1', 'Untagged: test/gone:1']);
    assert.ok(forced.includes(`Deleted: ${id}\n`), forced);
    assert.equal((await local(['image', 'inspect', id])).code, 1);
  });
});

describe('registries', () => {
  test('push streams docker\'s progress once; pull, pull -q, pull -a; errors as locally', async () => {
    const name = `${reg.host}/remote/box`;
    await localOk(['tag', IMG, `${name}:1`]);
    await localOk(['tag', IMG, `${name}:2`]);
    const pushed = await remoteOk(['push', `${name}:1`]);
    const lines = pushed.trim().split('\n');
    assert.equal(lines[0], `The push refers to repository [${name}]`);
    assert.equal(lines.filter((l) => l.startsWith('1: digest: sha256:')).length, 1, pushed);
    assert.match(pushed, /: Pushed\n/);
    assert.equal(await remoteOk(['push', '-q', `${name}:2`]), `${name}:2\n`);
    assert.equal(await remoteOk(['push', '-a', '-q', name]), `${name}:1\n${name}:2\n`);
    const badAll = await remote(['push', '-a', `${name}:1`]);
    assert.equal(badAll.code, 1);
    assert.match(badAll.stderr, /tag can't be used with --all-tags/);

    await localOk(['rmi', `${name}:1`, `${name}:2`]);
    const pulled = await remoteOk(['pull', `${name}:1`]);
    assert.match(pulled, /^1: Pulling from remote\/box\n/);
    assert.match(pulled, /\nDigest: sha256:[a-f0-9]{64}\nStatus: Downloaded newer image for /);
    assert.ok(pulled.endsWith(`\n${name}:1\n`), pulled);
    assert.equal((await localOk(['images', '--format', '{{.ID}}', `${name}:1`])).trim(), (await localOk(['images', '--format', '{{.ID}}', IMG])).trim());
    // up to date: word for word what a local pull says
    const again = await same(['pull', `${name}:1`]);
    assert.match(again, /Status: Image is up to date for /);
    assert.equal(await remoteOk(['pull', '-q', `${name}:2`]), `${name}:2\n`);

    // -a: every tag, one Digest line each, one Status line for the repository, then its name
    await localOk(['rmi', `${name}:1`, `${name}:2`]);
    const all = await remoteOk(['pull', '-a', name]);
    assert.equal(all.match(/^Digest: /gm)?.length, 2, all);
    assert.equal(all.match(/^Status: /gm)?.length, 1, all);
    assert.ok(all.endsWith(`Status: Image is up to date for ${name}\n${name}\n`) || all.endsWith(`Status: Downloaded newer image for ${name}\n${name}\n`), all);
    assert.deepEqual((await localOk(['images', '--format', '{{.Tag}}', name])).trim().split('\n').sort(), ['1', '2']);
    assert.match(await same(['pull', '-a', name]), /Status: Image is up to date for /);

    for (const args of [['pull', '-a', `${name}:1`], ['pull', `${reg.host}/remote/missing:1`], ['pull', '--platform', 'bad///', `${name}:1`], ['push', `${reg.host}/remote/notlocal:1`]]) {
      const [r, l] = await Promise.all([remote(args), local(args)]);
      assert.equal(r.code, 1, args.join(' '));
      assert.deepEqual([r.code, r.stderr], [l.code, l.stderr], args.join(' '));
    }
  });

  test('credentials: login and logout with -H touch only the client\'s store; pulls and pushes send them (X-Registry-Auth)', async () => {
    const name = `${authReg.host}/private/box:1`;
    await localOk(['tag', IMG, name]);
    const denied = await remote(['push', name]);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /authentication required|unauthorized|denied/i);
    // login with -H needs no engine at all: this one does not exist
    const login = await sb.run(['-H', `unix://${join(work, 'nothing-here.sock')}`, 'login', '-u', 'alice', '--password-stdin', authReg.host], { input: 's3cret\n', env: clientEnv() });
    assert.equal(login.code, 0, login.stderr);
    assert.equal(login.stdout, 'Login Succeeded\n');
    assert.ok(existsSync(join(clientConfig, 'config.json')));
    assert.ok(!existsSync(join(sb.dockerConfig, 'config.json')), 'the service\'s own docker config is untouched');
    await remoteOk(['push', name]);
    await localOk(['rmi', name]);
    assert.ok((await remoteOk(['pull', name])).endsWith(`${name}\n`));
    // run's own pull goes the same way
    await localOk(['rmi', name]);
    assert.equal(await remoteOk(['run', '--rm', '--network', 'none', name, 'echo', 'ran']), 'ran\n');
    assert.equal(await remoteOk(['logout', authReg.host]), `Removing login credentials for ${authReg.host}\n`);
    assert.equal(await remoteOk(['logout', authReg.host]), `Not logged in to ${authReg.host}\n`);
    await localOk(['rmi', name]);
    const after = await remote(['pull', name]);
    assert.equal(after.code, 1);
    assert.match(after.stderr, /authentication required/);
  });
});

describe('archives and new images', () => {
  test('save (file and stdout) is the local save byte for byte; load from a file and stdin says what a local load says', async () => {
    const viaRemote = join(work, 'remote.tar');
    const viaLocal = join(work, 'local.tar');
    await remoteOk(['save', '-o', viaRemote, IMG]);
    await localOk(['save', '-o', viaLocal, IMG]);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(sha(readFileSync(viaRemote)), sha(readFileSync(viaLocal)));
    const piped = await new Promise<Buffer>((resolve, reject) => {
      const child = sb.spawn(['-H', `unix://${sock}`, 'image', 'save', IMG]);
      const out: Buffer[] = [];
      child.stdout!.on('data', (d: Buffer) => out.push(d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`save exited ${code}`))));
    });
    assert.equal(sha(piped), sha(readFileSync(viaLocal)));
    const oci = await remote(['save', '--format', 'oci-archive', '-o', join(work, 'oci.tar'), IMG]);
    assert.equal(oci.code, 1);
    assert.match(oci.stderr, /oci-archive works on this host's engine only/);
    assert.ok(!existsSync(join(work, 'oci.tar')));

    await localOk(['tag', IMG, 'test/loaded:1']);
    await localOk(['save', '-o', join(work, 'loaded.tar'), 'test/loaded:1']);
    await localOk(['rmi', 'test/loaded:1']);
    const loaded = await remoteOk(['load', '-i', join(work, 'loaded.tar')]);
    assert.equal(loaded, 'Loaded image: test/loaded:1\n');
    await localOk(['rmi', 'test/loaded:1']);
    assert.equal(await remoteOk(['image', 'load'], readFileSync(join(work, 'loaded.tar'))), loaded);
    assert.equal(await localOk(['load', '-i', join(work, 'loaded.tar')]), loaded);
    const bad = await remote(['load', '-i', join(work, 'rootfs.tar')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /neither manifest\.json/);
    const missing = await remote(['load', '-i', join(work, 'no-such.tar')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ENOENT/);
  });

  test('import from a file and from stdin, with --change and --message; commit of a container', async () => {
    const id = (await remoteOk(['import', '-m', 'from a file', '-c', 'ENV A=1', '-c', 'CMD ["sh"]', join(work, 'rootfs.tar'), 'test/imported:1'])).trim();
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    assert.equal((await localOk(['image', 'inspect', '-f', '{{.Id}} {{.Config.Env}} {{.Config.Cmd}} {{.Comment}}', 'test/imported:1'])).trim(), `${id} [A=1] [sh] from a file`);
    const id2 = (await remoteOk(['image', 'import', '-', 'test/imported:2'], readFileSync(join(work, 'rootfs.tar')))).trim();
    assert.equal((await localOk(['history', '--format', '{{.Comment}}', 'test/imported:2'])).trim(), 'Imported from -');
    assert.equal((await localOk(['images', '-q', '--no-trunc', 'test/imported:2'])).trim(), id2);

    await remoteOk(['create', '--name', 'tocommit', IMG, 'true']);
    const cid = (await remoteOk(['commit', '-a', 'me', '-m', 'committed', '-c', 'ENV B=2', '-c', 'LABEL c=d', 'tocommit', 'test/committed:1'])).trim();
    assert.match(cid, /^sha256:[a-f0-9]{64}$/);
    assert.equal((await localOk(['image', 'inspect', '-f', '{{.Id}} {{.Author}} {{.Comment}} {{.Config.Env}} {{index .Config.Labels "c"}}', 'test/committed:1'])).trim(), `${cid} me committed [PATH=/bin B=2] d`);
    await localOk(['rm', 'tocommit']);
    await localOk(['rmi', 'test/imported:1', 'test/imported:2', 'test/committed:1']);
  });

  test('image prune: the dangling ones, or with -a every unused one, in docker\'s report', async () => {
    await localOk(['import', '-c', 'ENV X=1', join(work, 'rootfs.tar'), 'test/prunable:2']);
    const dangling = (await localOk(['import', '-c', 'ENV X=2', join(work, 'rootfs.tar')])).trim();
    const r = await remoteOk(['image', 'prune', '-f']);
    assert.match(r, new RegExp(`^Deleted Images:\\ndeleted: ${dangling}\\n`));
    assert.match(r, /\n\nTotal reclaimed space: /);
    assert.equal(await remoteOk(['image', 'prune', '-f']), 'Total reclaimed space: 0B\n');
    const all = await remoteOk(['image', 'prune', '-a', '-f', '--filter', 'label!=keep']);
    assert.match(all, /untagged: test\/prunable:2\n/);
    assert.equal((await local(['image', 'inspect', 'test/prunable:2'])).code, 1);
    assert.equal((await local(['image', 'inspect', IMG])).code, 1, 'unused, so -a took it too');
    await localOk(['import', '-c', 'CMD ["sh"]', '-c', 'ENV PATH=/bin', join(work, 'rootfs.tar'), IMG]);
  });
});

describe('build', () => {
  let ctx: string;
  before(() => {
    ctx = join(work, 'ctx');
    mkdirSync(join(ctx, 'sub'), { recursive: true });
    mkdirSync(join(ctx, 'skip', 'keep'), { recursive: true });
    writeFileSync(join(ctx, 'a.txt'), 'a\n');
    writeFileSync(join(ctx, 'sub', 'b.txt'), 'b\n');
    writeFileSync(join(ctx, 'skip', 's.txt'), 's\n');
    writeFileSync(join(ctx, 'skip', 'keep', 'k.txt'), 'k\n');
    writeFileSync(join(ctx, 'x.log'), 'log\n');
    writeFileSync(join(ctx, 'with space [1].txt'), 'odd\n');
    symlinkSync('a.txt', join(ctx, 'link'));
    writeFileSync(join(ctx, '.dockerignore'), '# comment\nskip\n!skip/keep\n*.log\nDockerfile\n');
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${IMG}\nARG V=0\nCOPY . /ctx/\nRUN echo "v=$V" > /v && find /ctx | sort > /listing\nLABEL built=yes\n`);
    mkdirSync(join(work, 'elsewhere'));
    writeFileSync(join(work, 'elsewhere', 'Other.df'), `FROM ${IMG}\nCOPY . /c/\nRUN find /c | sort > /listing\n`);
    writeFileSync(join(work, 'elsewhere', 'Other.df.dockerignore'), 'a.txt\nsub\n');
  });

  /** What a built image holds: the files its RUN listed, and more. */
  const contents = (image: string, what = 'cat /listing /v 2>/dev/null; true') => localOk(['run', '--rm', '--network', 'none', image, 'sh', '-c', what]);

  test('a directory context, .dockerignore honoured exactly as locally; -t, --build-arg, --label; the same progress', async () => {
    // --no-cache: the local build must not reuse what the remote one made
    const r = await remote(['build', '--no-cache', '--build-arg', 'V=7', '--label', 'x=y', '-t', 'built:remote', '-t', 'built:also', ctx]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const l = await local(['build', '--no-cache', '--build-arg', 'V=7', '--label', 'x=y', '-t', 'built:local', ctx]);
    assert.equal(l.code, 0, l.stderr);
    assert.equal(steady(r.stderr).replace(/sha256:[a-f0-9]{64}/, 'ID').replace(/naming to docker.io\/library\/built:(remote|also) done\n#\d+ T naming to docker.io\/library\/built:(remote|also) done/, 'NAMING'), steady(l.stderr).replace(/sha256:[a-f0-9]{64}/, 'ID').replace(/naming to docker.io\/library\/built:local done/, 'NAMING'));
    const listing = await contents('built:remote');
    assert.equal(listing, await contents('built:local'));
    assert.deepEqual(listing.trim().split('\n'), ['/ctx', '/ctx/.dockerignore', '/ctx/a.txt', '/ctx/link', '/ctx/skip', '/ctx/skip/keep', '/ctx/skip/keep/k.txt', '/ctx/sub', '/ctx/sub/b.txt', '/ctx/with space [1].txt', 'v=7']);
    assert.equal((await localOk(['image', 'inspect', '-f', '{{.Config.Labels}}', 'built:also'])).trim(), 'map[built:yes x:y]');
    assert.equal(await contents('built:remote', 'readlink /ctx/link; cat "/ctx/with space [1].txt"'), 'a.txt\nodd\n');
  });

  test('-f outside the context (with its own .dockerignore), -f -, build - with a Dockerfile, a tar or a gzipped tar', async () => {
    const other = join(work, 'elsewhere', 'Other.df');
    const cases: Array<{ args: string[]; input?: Buffer; expect: string[] }> = [
      { args: ['-f', other, ctx], expect: ['/c', '/c/.dockerignore', '/c/Dockerfile', '/c/link', '/c/skip', '/c/skip/keep', '/c/skip/keep/k.txt', '/c/skip/s.txt', '/c/with space [1].txt', '/c/x.log'] },
      { args: ['-f', '-', ctx], input: readFileSync(other), expect: ['/c', '/c/.dockerignore', '/c/a.txt', '/c/link', '/c/skip', '/c/skip/keep', '/c/skip/keep/k.txt', '/c/sub', '/c/sub/b.txt', '/c/with space [1].txt'] },
      { args: ['-'], input: readFileSync(other), expect: ['/c'] },
    ];
    const { tar } = await makeTar([
      { path: 'Dockerfile', content: `FROM ${IMG}\nCOPY . /c/\nRUN find /c | sort > /listing\n`, mode: 0o644 },
      { path: 'in-tar.txt', content: 't\n', mode: 0o644 },
    ]);
    cases.push({ args: ['-'], input: tar, expect: ['/c', '/c/Dockerfile', '/c/in-tar.txt'] }, { args: ['-f', 'Dockerfile', '-'], input: gzipSync(tar), expect: ['/c', '/c/Dockerfile', '/c/in-tar.txt'] });
    for (const c of cases) {
      const r = await remote(['build', '-q', '--no-cache', ...c.args], c.input);
      assert.equal(r.code, 0, `${c.args.join(' ')}: ${r.stderr}`);
      const id = r.stdout.trim();
      assert.match(id, /^sha256:[a-f0-9]{64}$/);
      const l = await local(['build', '-q', '--no-cache', ...c.args], c.input);
      assert.equal(l.code, 0, `${c.args.join(' ')} (local): ${l.stderr}`);
      const listing = (await contents(id)).trim().split('\n');
      assert.deepEqual(listing, c.expect, c.args.join(' '));
      assert.deepEqual((await contents(l.stdout.trim())).trim().split('\n'), listing, `${c.args.join(' ')}: local and remote differ`);
    }
    const shown = await remote(['build', '-f', other, ctx]);
    assert.match(shown.stderr, /load build definition from Other\.df/);
  });

  test('--target, --network, --no-cache, --pull, --platform, -q, --iidfile', async () => {
    const dir = join(work, 'stages');
    mkdirSync(dir);
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${IMG} AS one\nRUN echo one > /one\nFROM one AS two\nRUN ip link | grep -c ": " > /links\nFROM one\nRUN echo three > /three\n`);
    const iid = join(work, 'iid');
    const r = await remote(['build', '--target', 'two', '--network', 'none', '--no-cache', '--platform', 'linux/amd64', '--iidfile', iid, '-t', 'staged:two', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /three/);
    assert.doesNotMatch(r.stderr, /\[one 2\/2\][^\n]*\n#\d+ CACHED/);
    assert.equal((await localOk(['images', '-q', '--no-trunc', 'staged:two'])).trim(), readFileSync(iid, 'utf8'));
    assert.equal(await contents('staged:two', 'cat /one /links; test -e /three || echo no-three'), 'one\n1\nno-three\n');
    const q = await remote(['build', '-q', '--target', 'two', '--network', 'none', dir]);
    assert.equal(q.stdout.trim(), readFileSync(iid, 'utf8'), 'cached: the same image');
    assert.equal(q.stderr, '');
    assert.match(await remoteOk(['builder', 'prune', '-a', '-f']), /^Deleted build cache objects:\n([0-9a-f]{64}\n)+\nTotal reclaimed space: /);
    assert.equal(await localOk(['builder', 'prune', '-a', '-f']), 'Total reclaimed space: 0B\n', 'the remote prune emptied the engine\'s cache');
    const fromRegistry = join(work, 'from-registry');
    mkdirSync(fromRegistry);
    await localOk(['tag', IMG, `${reg.host}/remote/base:1`]);
    await localOk(['push', '-q', `${reg.host}/remote/base:1`]);
    writeFileSync(join(fromRegistry, 'Dockerfile'), `FROM ${reg.host}/remote/base:1\nRUN echo pulled > /p\n`);
    const pulled = await remote(['build', '--pull', '-q', fromRegistry]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(await contents(pulled.stdout.trim(), 'cat /p'), 'pulled\n');
    const cross = await remote(['build', '--platform', 'bad///', dir]);
    assert.equal(cross.code, 1);
    assert.match(cross.stderr, /invalid platform/);
  });

  test('failures say what a local build says: a failing step, a bad instruction, no context, no Dockerfile; --secret is refused', async () => {
    for (const c of [
      { args: ['-'], input: `FROM ${IMG}\nRUN false\n` },
      { args: ['-q', '-'], input: `FROM ${IMG}\nBOGUS x\n` },
      { args: [join(work, 'no-such-dir')] },
      { args: ['-f', join(work, 'no-such-Dockerfile'), ctx] },
    ]) {
      const [r, l] = await Promise.all([remote(['build', ...c.args], c.input), local(['build', ...c.args], c.input)]);
      assert.equal(r.code, 1, c.args.join(' '));
      assert.equal(l.code, 1, c.args.join(' '));
      assert.equal(steady(r.stderr), steady(l.stderr), c.args.join(' '));
      assert.match(r.stderr, /ERROR: failed to build: /);
    }
    const secret = await remote(['build', '--secret', 'id=x,env=HOME', ctx]);
    assert.equal(secret.code, 1);
    assert.match(secret.stderr, /--secret needs BuildKit/);
  });
});
