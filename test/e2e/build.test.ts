// berth build end to end: real Dockerfiles, RUN steps under runc, images that run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxEntries, makeTar, BUSYBOX_PATH, sha256 } from '../helpers/fixtures.js';
import { ok, sandboxes, type Sandbox } from '../helpers/berth.js';
import { startRegistry, type Registry } from '../helpers/registry.js';

const boxes = sandboxes();
let sb: Sandbox;
let work: string;
const IMG = 'test/busybox:1';

/** A build context directory with these files (path -> content). */
function context(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  return dir;
}

async function inspect(image: string, format: string): Promise<string> {
  return (await ok(sb, ['image', 'inspect', '--format', format, image])).trim();
}

/** The entry names of an image's last layer tar, read from the store. */
function lastLayerEntries(layerDigest: string): string[] {
  const blob = join(sb.root, 'content', 'blobs', 'sha256', layerDigest.replace('sha256:', ''));
  return execFileSync('tar', ['-tf', blob], { encoding: 'utf8' }).trim().split('\n');
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-build-'));
  const { tar } = await makeTar(busyboxEntries(readFileSync(BUSYBOX_PATH), { passwd: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n', group: 'root:x:0:\napp:x:1000:\n' }));
  writeFileSync(join(work, 'rootfs.tar'), tar);
  sb = boxes.fresh();
  await ok(sb, ['import', '-c', 'CMD ["sh"]', join(work, 'rootfs.tar'), IMG]);
});

after(async () => {
  const ids = (await sb.run(['ps', '-aq', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await sb.run(['rm', '-f', ...ids]);
  boxes.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('instructions', () => {
  test('a Dockerfile using every metadata instruction builds an image that runs as declared', async () => {
    const dir = context('meta', {
      Dockerfile: [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=test/busybox:1',
        'FROM ${BASE} AS final',
        'ARG WHO=nobody',
        'ARG UNSET',
        'ENV GREETING="hello ${WHO}" \\',
        '    # a comment inside a continuation',
        '    EMPTY=${UNSET:-fallback} ALT=${WHO:+set}',
        'LABEL org.example.name="berth test" version=1',
        'EXPOSE 8080 9000-9001/udp',
        'WORKDIR /srv',
        'WORKDIR data',
        'COPY --chown=app:app --chmod=0640 file.txt ./',
        'USER app',
        'VOLUME ["/srv/data/vol"]',
        'STOPSIGNAL SIGINT',
        'HEALTHCHECK --interval=5s --retries=2 CMD test -f /srv/data/file.txt',
        'SHELL ["/bin/sh", "-c"]',
        'ENTRYPOINT ["sh", "-c"]',
        'CMD ["echo $GREETING $EMPTY $ALT; id -u; pwd; stat -c %a:%U file.txt; cat file.txt"]',
        '',
      ].join('\n'),
      'file.txt': 'content\n',
    });
    await ok(sb, ['build', '-q', '-t', 'meta:1', '--build-arg', 'WHO=berth', '--label', 'from.cli=yes', dir]);
    assert.equal(await ok(sb, ['run', '--rm', 'meta:1']), 'hello berth fallback set\n1000\n/srv/data\n640:app\ncontent\n');
    assert.equal(await inspect('meta:1', '{{json .Config.ExposedPorts}}'), '{"8080/tcp":{},"9000/udp":{},"9001/udp":{}}');
    assert.equal(await inspect('meta:1', '{{index .Config.Labels "org.example.name"}}|{{.Config.Labels.version}}|{{index .Config.Labels "from.cli"}}'), 'berth test|1|yes');
    assert.equal(await inspect('meta:1', '{{.Config.User}} {{.Config.WorkingDir}} {{.Config.StopSignal}} {{json .Config.Volumes}}'), 'app /srv/data SIGINT {"/srv/data/vol":{}}');
    assert.equal(await inspect('meta:1', '{{json .Config.Healthcheck}}'), '{"Test":["CMD-SHELL","test -f /srv/data/file.txt"],"Interval":5000000000,"Retries":2}');
    // ARG values are not in the image's environment; ENV values are.
    const env = await inspect('meta:1', '{{json .Config.Env}}');
    assert.match(env, /"GREETING=hello berth"/);
    assert.doesNotMatch(env, /WHO=/);
    const history = await ok(sb, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'meta:1']);
    assert.match(history, /^ENV GREETING=hello berth EMPTY=fallback ALT=set$/m);
    assert.match(history, /^COPY --chown=app:app --chmod=0640 file.txt \.\/ # buildkit$/m);
  });

  test('RUN: shell and exec forms, heredocs, build args in the environment, deletions as whiteouts', async () => {
    const dir = context('run', {
      Dockerfile: [
        `FROM ${IMG}`,
        'ARG STAGE_ARG=from-arg',
        'RUN echo "shell form $STAGE_ARG" > /shell.txt',
        'RUN ["sh", "-c", "echo exec form > /exec.txt"]',
        'RUN <<EOF',
        'echo first > /heredoc.txt',
        'echo second >> /heredoc.txt',
        'EOF',
        'COPY <<-EOT /etc/motd',
        '\tgreetings from ${STAGE_ARG}',
        '\tEOT',
        'RUN mkdir -p /data/old && echo old > /data/old/file',
        'RUN rm /bin/wget && mkdir -p /made/deep && rm -rf /data && mkdir /data && echo fresh > /data/only',
        'COPY --from=test/busybox:1 /etc/passwd /from-image/passwd',
        '',
      ].join('\n'),
    });
    await ok(sb, ['build', '-q', '-t', 'run:1', dir]);
    assert.equal(await ok(sb, ['run', '--rm', 'run:1', 'cat', '/shell.txt', '/exec.txt', '/heredoc.txt', '/etc/motd']), 'shell form from-arg\nexec form\nfirst\nsecond\ngreetings from from-arg\n');
    const gone = await sb.run(['run', '--rm', 'run:1', 'ls', '/bin/wget']);
    assert.notEqual(gone.code, 0);
    const layers = JSON.parse(await inspect('run:1', '{{json .RootFS.Layers}}')) as string[];
    const entries = lastLayerEntries(layers[layers.length - 2]);
    assert.ok(entries.includes('bin/.wh.wget'), entries.join(' '));
    // A directory removed and made again is opaque: nothing below it in the lower layers shows.
    assert.ok(entries.includes('data/.wh..wh..opq'), entries.join(' '));
    assert.equal(await ok(sb, ['run', '--rm', 'run:1', 'ls', '/data']), 'only\n');
    assert.match(await ok(sb, ['run', '--rm', 'run:1', 'cat', '/from-image/passwd']), /^root:x:0:0/);
    assert.ok(entries.includes('made/deep/'), entries.join(' '));
    // Nothing the runtime mounted (proc, dev, sys, /etc/hosts ...) becomes part of a layer.
    assert.ok(!entries.some((e) => /^(proc|sys|dev)\/?$|^etc\/(hosts|hostname|resolv\.conf)$/.test(e)), entries.join(' '));
  });

  test('ADD unpacks a local tar archive and fetches a URL (with --checksum); ONBUILD triggers run in the child', async () => {
    const { tar } = await makeTar([{ path: 'pkg/', type: 'directory' }, { path: 'pkg/readme', type: 'file', content: 'from the archive\n' }]);
    const body = 'served over http\n';
    const server: Server = createServer((_req, res) => res.end(body));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const dir = context('add', {
        Dockerfile: [`FROM ${IMG}`, 'ADD pkg.tar /opt/', `ADD --checksum=${sha256(body)} http://127.0.0.1:${port}/files/remote.txt /downloads/`, 'ONBUILD RUN echo triggered > /onbuild.txt', ''].join('\n'),
      });
      writeFileSync(join(dir, 'pkg.tar'), tar);
      await ok(sb, ['build', '-q', '-t', 'add:1', dir]);
      assert.equal(await ok(sb, ['run', '--rm', 'add:1', 'cat', '/opt/pkg/readme', '/downloads/remote.txt']), 'from the archive\nserved over http\n');
      assert.equal(await inspect('add:1', '{{json .Config.OnBuild}}'), '["RUN echo triggered > /onbuild.txt"]');
      const child = context('onbuild', { Dockerfile: 'FROM add:1\n' });
      await ok(sb, ['build', '-q', '-t', 'child:1', child]);
      assert.equal(await ok(sb, ['run', '--rm', 'child:1', 'cat', '/onbuild.txt']), 'triggered\n');
      assert.equal(await inspect('child:1', '{{json .Config.OnBuild}}'), 'null');
      const bad = context('badsum', { Dockerfile: `FROM ${IMG}\nADD --checksum=sha256:${'0'.repeat(64)} http://127.0.0.1:${port}/x /x\n` });
      const r = await sb.run(['build', bad]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /checksum mismatch/);
    } finally {
      server.close();
    }
  });

  test('COPY --exclude and --parents; platform args; FROM --platform=$BUILDPLATFORM', async () => {
    const dir = context('copyflags', {
      Dockerfile: [
        'FROM --platform=$BUILDPLATFORM ' + IMG,
        'ARG TARGETARCH',
        'RUN echo "$TARGETARCH" > /arch',
        'COPY --exclude=*.log --exclude=skip/ src/ /plain/',
        'COPY --parents a/one.txt b/c/two.txt /kept/',
        '',
      ].join('\n'),
      'src/app.txt': 'app',
      'src/debug.log': 'log',
      'src/skip/x.txt': 'x',
      'src/keep/y.txt': 'y',
      'a/one.txt': '1',
      'b/c/two.txt': '2',
    });
    await ok(sb, ['build', '-q', '-t', 'flags:1', dir]);
    const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch];
    const out = await ok(sb, ['run', '--rm', 'flags:1', 'sh', '-c', 'cat /arch; cd /plain && find . | sort; cd /kept && find . -type f | sort']);
    const [gotArch, ...rest] = out.trim().split('\n');
    assert.equal(gotArch, arch);
    assert.deepEqual(rest, ['.', './app.txt', './keep', './keep/y.txt', './a/one.txt', './b/c/two.txt']);
  });

  test('proxy build args reach RUN undeclared but stay out of the history; ADD --chown/--chmod', async () => {
    const dir = context('proxy', {
      Dockerfile: [`FROM ${IMG}`, 'RUN echo "$HTTP_PROXY" > /proxy', 'ADD --chown=app:app --chmod=0600 added.txt /added.txt', ''].join('\n'),
      'added.txt': 'added\n',
    });
    await ok(sb, ['build', '-q', '-t', 'proxy:1', '--build-arg', 'HTTP_PROXY=http://proxy.invalid:3128', dir]);
    assert.equal(await ok(sb, ['run', '--rm', 'proxy:1', 'sh', '-c', 'cat /proxy; stat -c %a:%U /added.txt']), 'http://proxy.invalid:3128\n600:app\n');
    const history = await ok(sb, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'proxy:1']);
    assert.doesNotMatch(history, /proxy\.invalid/);
    assert.doesNotMatch(await inspect('proxy:1', '{{json .Config.Env}}'), /PROXY/);
  });

  test('FROM scratch: an image made of one static binary', async () => {
    const dir = context('scratch', { Dockerfile: 'FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox"]\nCMD ["echo", "from scratch"]\n' });
    writeFileSync(join(dir, 'busybox'), readFileSync(BUSYBOX_PATH), { mode: 0o755 });
    await ok(sb, ['build', '-q', '-t', 'scratch:1', dir]);
    assert.equal(await ok(sb, ['run', '--rm', 'scratch:1']), 'from scratch\n');
    assert.equal(await inspect('scratch:1', '{{len .RootFS.Layers}}'), '1');
  });
});

describe('stages', () => {
  test('--target builds only the stages it needs; COPY --from takes a stage by name or index', async () => {
    const dir = context('stages', {
      Dockerfile: [
        `FROM ${IMG} AS one`,
        'RUN echo one > /one.txt',
        `FROM ${IMG} AS broken`,
        'RUN exit 7',
        `FROM ${IMG} AS two`,
        'COPY --from=one /one.txt /copied-by-name.txt',
        'COPY --from=0 /one.txt /copied-by-index.txt',
        `FROM two AS three`,
        'RUN cat /copied-by-name.txt /copied-by-index.txt > /both.txt',
        '',
      ].join('\n'),
    });
    await ok(sb, ['build', '-q', '--target', 'three', '-t', 'stages:1', dir]);
    assert.equal(await ok(sb, ['run', '--rm', 'stages:1', 'cat', '/both.txt']), 'one\none\n');
    // The last stage is the default target; it does not need `broken` either.
    await ok(sb, ['build', '-q', dir]);
    const r = await sb.run(['build', '--target', 'broken', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exit code: 7/);
    const missing = await sb.run(['build', '--target', 'nope', dir]);
    assert.match(missing.stderr, /target stage "nope" could not be found/);
  });

  test('independent stages build at the same time', async () => {
    // Each stage waits for the other's file in a shared cache mount: built one after the other, both would time out.
    const nonce = String(Date.now());
    const wait = (mine: string, other: string) => `RUN --mount=type=cache,id=rendezvous,target=/rv touch /rv/${mine}-$N && for i in $(seq 150); do [ -f /rv/${other}-$N ] && exit 0; sleep 0.1; done; exit 1`;
    const dir = context('parallel', {
      Dockerfile: [`FROM ${IMG} AS a`, 'ARG N', wait('a', 'b'), `FROM ${IMG} AS b`, 'ARG N', wait('b', 'a'), `FROM ${IMG}`, 'COPY --from=a /etc/passwd /a', 'COPY --from=b /etc/passwd /b', ''].join('\n'),
    });
    await ok(sb, ['build', '-q', '--build-arg', `N=${nonce}`, dir]);
  });
});

describe('cache', () => {
  test('a rebuild is all cache hits with the same image id; a changed file reruns only the steps from its COPY on', async () => {
    const dir = context('cache', {
      Dockerfile: [`FROM ${IMG}`, 'COPY first.txt /first.txt', 'RUN cat /first.txt > /derived-first.txt', 'COPY last.txt /last.txt', 'RUN cat /last.txt > /derived-last.txt', ''].join('\n'),
      'first.txt': 'one\n',
      'last.txt': 'two\n',
    });
    const first = (await ok(sb, ['build', '-q', dir])).trim();
    const again = await sb.run(['build', '--progress', 'plain', '--iidfile', join(work, 'iid'), dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(join(work, 'iid'), 'utf8'), first);
    assert.equal((again.stderr.match(/ CACHED$/gm) ?? []).length, 5, again.stderr);
    writeFileSync(join(dir, 'last.txt'), 'changed\n');
    const changed = await sb.run(['build', '--progress', 'plain', '-t', 'cache:1', dir]);
    assert.equal(changed.code, 0, changed.stderr);
    const cachedSteps = [...changed.stderr.matchAll(/^#(\d+) CACHED$/gm)].map((m) => new RegExp(`^#${m[1]} (.*)$`, 'm').exec(changed.stderr)![1]);
    assert.deepEqual(cachedSteps, [`[1/5] FROM docker.io/${IMG}`, '[2/5] COPY first.txt /first.txt', '[3/5] RUN cat /first.txt > /derived-first.txt']);
    assert.equal(await ok(sb, ['run', '--rm', 'cache:1', 'cat', '/derived-last.txt']), 'changed\n');
    // --no-cache runs every step again.
    const fresh = await sb.run(['build', '--progress', 'plain', '--no-cache', dir]);
    assert.equal((fresh.stderr.match(/^#\d+ CACHED$/gm) ?? []).length, 0, fresh.stderr);
    // builder prune: the dangling entries (layers gone; what other tests left), then none; -a drops every entry, and the next build runs its steps
    assert.match(await ok(sb, ['builder', 'prune', '-f']), /^(Deleted build cache objects:\n([0-9a-f]{64}\n)+\n)?Total reclaimed space: /);
    assert.equal(await ok(sb, ['builder', 'prune', '-f']), 'Total reclaimed space: 0B\n');
    const pruned = await ok(sb, ['builder', 'prune', '-a', '-f']);
    assert.match(pruned, /^Deleted build cache objects:\n([0-9a-f]{64}\n)+\nTotal reclaimed space: /);
    const rebuilt = await sb.run(['build', '--progress', 'plain', dir]);
    assert.equal((rebuilt.stderr.match(/^#\d+ CACHED$/gm) ?? []).length, 1, 'only FROM is cached after the prune: ' + rebuilt.stderr);
  });

  test('RUN --mount=type=cache keeps its content between builds and out of the image', async () => {
    const dir = context('cachemount', { Dockerfile: `FROM ${IMG}\nRUN --mount=type=cache,target=/var/cache/app echo run >> /var/cache/app/log && wc -l < /var/cache/app/log > /count\n` });
    await ok(sb, ['build', '-q', '--no-cache', '-t', 'cm:1', dir]);
    await ok(sb, ['build', '-q', '--no-cache', '-t', 'cm:2', dir]);
    const one = Number((await ok(sb, ['run', '--rm', 'cm:1', 'cat', '/count'])).trim());
    assert.equal(Number((await ok(sb, ['run', '--rm', 'cm:2', 'cat', '/count'])).trim()), one + 1);
    assert.notEqual((await sb.run(['run', '--rm', 'cm:2', 'ls', '/var/cache/app/log'])).code, 0);
  });
});

describe('inputs', () => {
  test('.dockerignore with ** and ! exceptions; a Dockerfile-specific ignore file wins', async () => {
    const dir = context('ignore', {
      Dockerfile: `FROM ${IMG}\nCOPY . /ctx/\nRUN cd /ctx && find . -type f | sort > /list\n`,
      '.dockerignore': '# comment\n**/*.log\n!keep.log\nsecret/\n/tmp*\n',
      'app.js': '',
      'keep.log': '',
      'drop.log': '',
      'deep/er/x.log': '',
      'deep/er/x.txt': '',
      'secret/key': '',
      'tmpfile': '',
      'special.Dockerfile': `FROM ${IMG}\nCOPY . /ctx/\nRUN cd /ctx && find . -type f | sort > /list\n`,
      'special.Dockerfile.dockerignore': '*.js\n',
    });
    await ok(sb, ['build', '-q', '-t', 'ignore:1', dir]);
    assert.equal(await ok(sb, ['run', '--rm', 'ignore:1', 'cat', '/list']), ['./.dockerignore', './Dockerfile', './app.js', './deep/er/x.txt', './keep.log', './special.Dockerfile', './special.Dockerfile.dockerignore'].join('\n') + '\n');
    await ok(sb, ['build', '-q', '-t', 'ignore:2', '-f', join(dir, 'special.Dockerfile'), dir]);
    const list = await ok(sb, ['run', '--rm', 'ignore:2', 'cat', '/list']);
    assert.doesNotMatch(list, /app\.js/);
    assert.match(list, /drop\.log/);
    const r = await sb.run(['build', context('ignored-copy', { Dockerfile: `FROM ${IMG}\nCOPY secret/key /k\n`, '.dockerignore': 'secret\n', 'secret/key': 'x' })]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /"\/secret\/key": not found in the build context \(or excluded by \.dockerignore\)/);
  });

  test('context as a tar on stdin, Dockerfile on stdin (-f -), and a Dockerfile alone on stdin', async () => {
    const { tar } = await makeTar([
      { path: 'Dockerfile', type: 'file', content: `FROM ${IMG}\nCOPY in-tar.txt /\n` },
      { path: 'in-tar.txt', type: 'file', content: 'from the tar\n' },
    ]);
    await ok(sb, ['build', '-q', '-t', 'stdin:1', '-'], { input: tar });
    assert.equal(await ok(sb, ['run', '--rm', 'stdin:1', 'cat', '/in-tar.txt']), 'from the tar\n');
    // compressed as docker takes it: gzip, bzip2, xz (the same image: the same files)
    const id = (await ok(sb, ['images', '-q', '--no-trunc', 'stdin:1'])).trim();
    for (const tool of ['gzip', 'bzip2', 'xz']) {
      const packed = execFileSync(tool, ['-c'], { input: tar });
      assert.equal((await ok(sb, ['build', '-q', '-'], { input: packed })).trim(), id, tool);
    }
    const broken = await sb.run(['build', '-q', '-'], { input: Buffer.concat([execFileSync('xz', ['-c'], { input: tar }).subarray(0, 40)]) });
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /the build context is not valid xz data/);
    const dir = context('dfstdin', { 'file.txt': 'dockerfile from stdin\n' });
    await ok(sb, ['build', '-q', '-t', 'stdin:2', '-f', '-', dir], { input: `FROM ${IMG}\nCOPY file.txt /\n` });
    assert.equal(await ok(sb, ['run', '--rm', 'stdin:2', 'cat', '/file.txt']), 'dockerfile from stdin\n');
    await ok(sb, ['build', '-q', '-t', 'stdin:3', '-'], { input: `FROM ${IMG}\nRUN echo no context > /x\n` });
    assert.equal(await ok(sb, ['run', '--rm', 'stdin:3', 'cat', '/x']), 'no context\n');
  });

  test('secrets reach RUN but never a layer, the history or the cache key', async () => {
    const secretFile = join(work, 'token');
    writeFileSync(secretFile, 's3cr3t-value');
    const dir = context('secret', { Dockerfile: `FROM ${IMG}\nRUN --mount=type=secret,id=token,required=true test "$(wc -c < /run/secrets/token)" -eq 12 && echo used > /used\nRUN --mount=type=secret,id=env_tok,target=/tok test "$(wc -c < /tok)" -eq 8\n` });
    await ok(sb, ['build', '-q', '-t', 'secret:1', '--secret', `id=token,src=${secretFile}`, '--secret', 'id=env_tok,env=BERTH_TEST_TOKEN', dir], { env: { ...sb.env, BERTH_TEST_TOKEN: 'from-env' } });
    assert.equal(await ok(sb, ['run', '--rm', 'secret:1', 'cat', '/used']), 'used\n');
    assert.notEqual((await sb.run(['run', '--rm', 'secret:1', 'ls', '/run/secrets/token'])).code, 0);
    const saved = join(work, 'secret.tar');
    await ok(sb, ['save', '-o', saved, 'secret:1']);
    assert.ok(!readFileSync(saved).includes('s3cr3t-value'));
    assert.ok(!readFileSync(saved).includes('from-env'));
    const missing = await sb.run(['build', dir]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /secret token not found/);
  });

  test('RUN --network=none has only loopback; the default network reaches the bridge', async () => {
    const dir = context('network', { Dockerfile: `FROM ${IMG}\nRUN --network=none ip -o link | grep -v ': lo:' | wc -l > /none-links\nRUN ip -o -4 addr show eth0 | wc -l > /default-addrs\n` });
    await ok(sb, ['build', '-q', '-t', 'net:1', dir]);
    assert.equal(await ok(sb, ['run', '--rm', 'net:1', 'cat', '/none-links', '/default-addrs']), '0\n1\n');
  });
});

describe('errors', () => {
  const failing = async (files: Record<string, string>, args: string[] = []) => {
    const r = await sb.run(['build', '-t', 'never:1', ...args, context('err', files)]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal((await ok(sb, ['images', '-q', 'never:1'])).trim(), '', 'a failed build tags nothing');
    return r.stderr;
  };

  test('broken Dockerfiles name the line and the instruction', async () => {
    assert.match(await failing({ Dockerfile: `FROM ${IMG}\nRUN true\nFROBNICATE now\n` }), /Dockerfile:3\n[\s\S]*>>> FROBNICATE now[\s\S]*unknown instruction: FROBNICATE/);
    assert.match(await failing({ Dockerfile: `FROM ${IMG}\nCOPY --frm=x a /a\n` }), /Dockerfile:2[\s\S]*unknown flag: frm/);
    assert.match(await failing({ Dockerfile: 'RUN true\n' }), /no build stage in current context/);
    assert.match(await failing({ Dockerfile: `FROM ${IMG}\nENV\n` }), /ENV requires at least one argument/);
    assert.match(await failing({ Dockerfile: `FROM ${IMG}\nRUN <<EOF\necho never closed\n` }), /unterminated heredoc EOF/);
  });

  test('COPY of a missing file or from outside the context; a failing RUN keeps its output and exit code', async () => {
    assert.match(await failing({ Dockerfile: `FROM ${IMG}\nCOPY nothere.txt /\n` }), /Dockerfile:2[\s\S]*"\/nothere.txt": not found/);
    assert.match(await failing({ Dockerfile: `FROM ${IMG}\nCOPY ../outside /\n` }), /forbidden path outside the build context: \.\.\/outside/);
    const run = await failing({ Dockerfile: `FROM ${IMG}\nRUN echo about to fail\nRUN echo visible-output && exit 3\n` }, ['--progress', 'plain']);
    assert.match(run, /visible-output/);
    assert.match(run, /Dockerfile:3[\s\S]*>>> RUN echo visible-output && exit 3[\s\S]*process "\/bin\/sh -c echo visible-output && exit 3" did not complete successfully: exit code: 3/);
    const tty = await failing({ Dockerfile: `FROM ${IMG}\nRUN echo tty-output && exit 4\n` }, ['--progress', 'tty']);
    assert.match(tty, /tty-output/);
  });

  test('a failed rebuild leaves the existing tag where it was; --platform for another arch is refused', async () => {
    const dir = context('keep', { Dockerfile: `FROM ${IMG}\nRUN echo v1 > /v\n` });
    const id = (await ok(sb, ['build', '-q', '-t', 'keep:1', dir])).trim();
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${IMG}\nRUN exit 1\n`);
    assert.equal((await sb.run(['build', '-t', 'keep:1', dir])).code, 1);
    assert.equal(await inspect('keep:1', '{{.Id}}'), id);
    const r = await sb.run(['build', '--platform', 'linux/s390x', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /linux\/s390x.*no emulation/);
  });
});

describe('shipping', () => {
  let registry: Registry;
  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
  });

  test('a built image pushes to a registry and pulls back into another store', async () => {
    const dir = context('ship', { Dockerfile: `FROM ${IMG}\nRUN echo shipped > /shipped\n` });
    const ref = `${registry.host}/built/ship:1`;
    await ok(sb, ['build', '-q', '-t', ref, dir]);
    await ok(sb, ['push', ref]);
    const other = boxes.fresh();
    await ok(other, ['pull', ref]);
    assert.equal(await ok(other, ['run', '--rm', ref, 'cat', '/shipped']), 'shipped\n');
    await ok(other, ['rmi', ref]);
    // The saved archive is a docker-archive other tools read.
    const archive = join(work, 'ship.tar');
    await ok(sb, ['save', '-o', archive, ref]);
    const inspected = execFileSync('skopeo', ['inspect', `docker-archive:${archive}`], { encoding: 'utf8' });
    assert.equal((JSON.parse(inspected) as { Layers: string[] }).Layers.length, JSON.parse(await inspect(ref, '{{json .RootFS.Layers}}')).length);
  });

  test("--pull takes the registry's newer base over the local one", async () => {
    const base = `${registry.host}/built/base:1`;
    await ok(sb, ['build', '-q', '-t', base, context('base-v1', { Dockerfile: `FROM ${IMG}\nRUN echo v1 > /version\n` })]);
    await ok(sb, ['push', base]);
    const other = boxes.fresh();
    await ok(other, ['pull', base]);
    await ok(sb, ['build', '-q', '-t', base, context('base-v2', { Dockerfile: `FROM ${IMG}\nRUN echo v2 > /version\n` })]);
    await ok(sb, ['push', base]);
    const child = context('on-base', { Dockerfile: `FROM ${base}\nRUN cp /version /seen\n` });
    await ok(other, ['build', '-q', '-t', 'child:old', child]);
    assert.equal(await ok(other, ['run', '--rm', 'child:old', 'cat', '/seen']), 'v1\n');
    await ok(other, ['build', '-q', '--pull', '-t', 'child:new', child]);
    assert.equal(await ok(other, ['run', '--rm', 'child:new', 'cat', '/seen']), 'v2\n');
  });
});
