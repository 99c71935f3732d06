// The Engine API with the clients people use besides the docker CLI: docker-compose 1.29 and
// docker-py (Debian's packages) and testcontainers-node, each against berth's socket.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, REPO, type Sandbox } from '../helpers/berth.js';
import { serviceFixture } from '../helpers/server.js';

const IMG = 'test/clientbox:1';
const COMPOSE = '/usr/bin/docker-compose';
const PYTHON = '/usr/bin/python3'; // Debian's, with python3-docker (not a pyenv one on PATH)
const fx = serviceFixture('berth-clients-', IMG);
let sb: Sandbox;
let work: string;
let sock: string;

/**
 * A /24 for a user network given with an IPAM config (compose's ipam, docker-py's IPAMPool),
 * one no other test file uses at the same time: the sandbox's claimed index (its default
 * network is 10.86.<index>.0/24) makes it unique, outside the sandboxes' subnet pools.
 */
function subnet(second: number): string {
  const index = /10\.86\.(\d+)\.0/.exec(readFileSync(sb.configFile, 'utf8'))?.[1];
  assert.ok(index, 'the sandbox config names its default subnet');
  return `10.${second}.${index}.0/24`;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: sb.dockerConfig, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

before(async () => {
  await fx.ready();
  ({ sb, work, sock } = fx);
});

describe('docker-compose 1.29', { skip: existsSync(COMPOSE) ? false : 'needs docker-compose (Debian: docker-compose; scripts/setup.sh installs it)' }, () => {
  test('a project with a build, a user network, a named volume and depends_on: up -d, ps, logs, exec -T, run --rm, down -v', async () => {
    const dir = join(REPO, 'test', 'fixtures', 'compose');
    // The classic builder through POST /build (compose 1.29's own build, not the docker CLI's)
    const env = { IMAGE: IMG, SUBNET: subnet(91), COMPOSE_DOCKER_CLI_BUILD: '0', DOCKER_BUILDKIT: '0' };
    const compose = (args: string[]) => run(COMPOSE, ['--no-ansi', '-p', 'bt', ...args], { cwd: dir, env });
    const must = async (args: string[]) => {
      const r = await compose(args);
      assert.equal(r.code, 0, `docker-compose ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r;
    };
    try {
      const up = await must(['up', '-d']);
      assert.match(up.stderr, /Creating network "bt_back"/);
      assert.match(up.stderr, /Creating volume "bt_data"/);
      assert.match(up.stdout + up.stderr, /Successfully tagged bt_web:latest/);

      const ps = (await must(['ps'])).stdout;
      assert.match(ps, /^bt_db_1 .* Up/m);
      assert.match(ps, /^bt_web_1 .* Up/m);
      // depends_on: db started before web
      const started = async (n: string) => Date.parse((await ok(sb, ['inspect', '-f', '{{.State.StartedAt}}', n])).trim());
      assert.ok((await started('bt_db_1')) <= (await started('bt_web_1')), 'db started first');
      assert.equal((await ok(sb, ['inspect', '-f', '{{index .Config.Labels "role"}} {{index .Config.Labels "com.docker.compose.service"}}', 'bt_db_1'])).trim(), 'database db');

      let logs = '';
      for (let i = 0; i < 50 && !(/db_1 +\| db-up/.test(logs) && /web_1 +\| hello-from-build/.test(logs)); i++) {
        logs = (await must(['logs', '--no-color'])).stdout;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(logs, /db_1 +\| db-up/);
      assert.match(logs, /web_1 +\| hello-from-build/, 'the build arg reached the built image');

      // web reaches db by its service name on the project's network; the value is on the volume
      const ex = await compose(['exec', '-T', 'web', 'sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- $TARGET && break; sleep 0.3; done; exit 3']);
      assert.equal(ex.code, 3, ex.stderr);
      assert.equal(ex.stdout, 'stored-42\n');

      const once = await compose(['run', '--rm', 'web', 'sh', '-c', 'wget -qO- http://db:8080/value && echo one-off']);
      assert.equal(once.code, 0, once.stderr);
      assert.equal(once.stdout.replace(/\r/g, ''), 'stored-42\none-off\n');
      assert.doesNotMatch(await ok(sb, ['ps', '-a', '--format', '{{.Names}}']), /bt_web_run/, 'run --rm removed its container');
      assert.equal((await ok(sb, ['volume', 'inspect', '-f', '{{index .Labels "com.docker.compose.volume"}}', 'bt_data'])).trim(), 'data');

      const down = await must(['down', '-v', '--rmi', 'local', '-t', '1']);
      assert.match(down.stderr, /Removing network bt_back/);
      assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
      assert.doesNotMatch(await ok(sb, ['network', 'ls', '--format', '{{.Name}}']), /bt_back/);
      assert.doesNotMatch(await ok(sb, ['volume', 'ls', '--format', '{{.Name}}']), /bt_data/);
      assert.equal((await sb.run(['image', 'inspect', 'bt_web'])).code, 1, 'down --rmi local removed the built image');
    } finally {
      await compose(['down', '-v', '--rmi', 'local', '-t', '1']);
    }
  });
});

const hasDockerPy = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import docker']).status === 0;

describe('docker-py', { skip: hasDockerPy ? false : 'needs python3-docker (Debian; scripts/setup.sh installs it)' }, () => {
  test('containers.run (attached and detached), logs, exec_run, list filters, images.build from a file object and a path, networks, volumes', async () => {
    const ctx = join(work, 'py-ctx');
    rmSync(ctx, { recursive: true, force: true });
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${IMG}\nARG W=none\nCOPY note /note\nRUN echo "$W" >> /note\nCMD ["cat", "/note"]\n`);
    writeFileSync(join(ctx, 'note'), 'from-path\n');
    const r = await run(PYTHON, [join(REPO, 'test', 'fixtures', 'docker-py', 'sdk.py'), sock, IMG, ctx, subnet(92)]);
    assert.equal(r.code, 0, r.stderr);
    const seen = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(seen, {
      ping: true,
      api: '1.47',
      run: 'run-out\nrun-err\n',
      logs: 'started\n',
      exec: [5, 'exec-err\npy-exec\n'],
      exec_demux: ['o\n', 'e\n'],
      listed: ['pyctr'],
      status_running: 'running',
      status_stopped: 'exited',
      built_tags: ['py/built:1'],
      built_run: 'built-from-fileobj\n',
      built_path_run: 'from-path\nwith-arg\n',
      build_log_has_success: true,
      net_members: ['pypeer'],
      net_listed: ['pynet'],
      dns: 'reach-peer\n',
      alias: 'reach-alias\n',
      volume: 'kept\n',
      volume_labels: { via: 'docker-py' },
      left: [],
    });
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
  });
});

describe('testcontainers-node', () => {
  // Ryuk, testcontainers' reaper, runs from its own image (testcontainers/ryuk), which only
  // Docker Hub has: with no way to pull it here, the reaper is off and the test stops what it
  // starts itself. A container that mounts the API socket, as ryuk does, is still made.
  test('a local image: user network with aliases, exposed port with the default wait strategy, log wait, exec, copy in, the socket mounted, stop', async () => {
    process.env.DOCKER_HOST = `unix://${sock}`;
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    const { GenericContainer, Network, Wait } = await import('testcontainers');
    // (the sandbox's own subnet pool keeps this network's subnet clear of other test files')
    const network = await new Network().start();
    try {
      const web = await new GenericContainer(IMG)
        .withCommand(['sh', '-c', 'mkdir -p /www && cat /greeting > /www/index.html && exec httpd -f -p 8080 -h /www'])
        .withCopyContentToContainer([{ content: 'copied in\n', target: '/greeting' }])
        .withExposedPorts(8080)
        .withNetwork(network)
        .withNetworkAliases('web')
        .withBindMounts([{ source: sock, target: '/var/run/docker.sock' }])
        .withLabels({ via: 'testcontainers' })
        .start();
      try {
        // testcontainers picks the host: localhost, or in a container the `bridge` network's gateway
        const body = await (await fetch(`http://${web.getHost()}:${web.getMappedPort(8080)}/`)).text();
        assert.equal(body, 'copied in\n');
        const ex = await web.exec(['sh', '-c', 'test -S /var/run/docker.sock && echo socket-mounted; echo oops >&2; exit 4']);
        assert.deepEqual([ex.exitCode, ex.stdout, ex.stderr], [4, 'socket-mounted\n', 'oops\n']);

        const client = await new GenericContainer(IMG)
          .withCommand(['sh', '-c', 'echo client-up; wget -qO- http://web:8080/; exec sleep 300'])
          .withNetwork(network)
          .withWaitStrategy(Wait.forLogMessage('copied in'))
          .start();
        const logs = await client.logs();
        let seen = '';
        await new Promise<void>((resolve) => {
          logs.on('data', (d: Buffer | string) => {
            seen += d.toString();
            if (seen.includes('copied in')) resolve();
          });
        });
        logs.destroy();
        assert.equal(seen, 'client-up\ncopied in\n');
        await client.stop({ timeout: 1 });
      } finally {
        await web.stop({ timeout: 1 });
      }
    } finally {
      await network.stop();
    }
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '', 'stop removed the containers');
    assert.doesNotMatch(await ok(sb, ['network', 'ls', '--format', '{{.Name}}']), new RegExp(`^${network.getName()}$`, 'm'), 'and the network');
  });
});
