// The Engine API (berth system service) with real clients: the docker CLI and dockerode.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import WebSocket from 'ws';
import { BERTH, ok, sandboxes, type Sandbox } from '../helpers/berth.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { inTerminal } from '../helpers/terminal.js';
import { clearEngine, startServer, stopServer, writeRootfsTar, type Server } from '../helpers/server.js';

const DOCKER = existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : 'docker';
const IMG = 'test/apibox:1';
const boxes = sandboxes();
let sb: Sandbox;
let work: string;
let sock: string;
let service: Server | undefined;
let reg: Registry;

const startService = (extra: string[] = []) => startServer(sb, ['system', 'service', '--time', '0', ...extra, `unix://${sock}`], sock);

async function stopService(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const s = service;
  service = undefined;
  await stopServer(s, signal);
}

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function api(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, method, path, headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const jsonOf = (r: Res) => JSON.parse(r.body.toString()) as Record<string, unknown>;

function docker(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, args, { env: { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: sb.dockerConfig, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input);
  });
}

async function dockerOk(args: string[], opts?: { input?: string }): Promise<string> {
  const r = await docker(args, opts);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** docker's stdcopy frames: [stream, 0, 0, 0, size u32 BE] + payload. */
function demux(b: Buffer): Array<{ stream: number; text: string }> {
  const out: Array<{ stream: number; text: string }> = [];
  let i = 0;
  while (i + 8 <= b.length) {
    const n = b.readUInt32BE(i + 4);
    out.push({ stream: b[i], text: b.subarray(i + 8, i + 8 + n).toString() });
    i += 8 + n;
  }
  assert.equal(i, b.length, 'the stream is whole frames');
  return out;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-api-'));
  const rootfs = await writeRootfsTar(work);
  sb = boxes.fresh();
  sock = join(sb.dir, 'api.sock');
  await ok(sb, ['import', '-c', 'CMD ["sh"]', rootfs, IMG]);
  reg = await startRegistry();
  service = await startService();
});

after(async () => {
  await stopService();
  if (sb) await clearEngine(sb);
  await reg?.stop();
  boxes.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('the service', () => {
  test('its socket is 0660 for root, and a second service on it is refused', async () => {
    assert.equal(statSync(sock).mode & 0o777, 0o660);
    const second = await sb.run(['system', 'service', '--time', '0', `unix://${sock}`]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /already listening/);
    assert.ok(existsSync(sock), 'the refused service left the socket alone');
  });

  test('socket activation: a listening fd passed as systemd does (LISTEN_FDS, fd 3); --time idles out', { skip: existsSync('/usr/bin/systemd-socket-activate') ? false : 'needs systemd-socket-activate (Debian: systemd)' }, async () => {
    const activated = join(sb.dir, 'activated.sock');
    const child = spawn('systemd-socket-activate', ['-l', activated, BERTH, '--root', sb.root, '--runroot', sb.runroot, 'system', 'service', '--time', '1'], { env: sb.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 100 && !existsSync(activated); i++) await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    const out = await docker(['version', '--format', '{{.Server.APIVersion}}'], { env: { DOCKER_HOST: `unix://${activated}` } });
    assert.equal(out.stdout.trim(), '1.47', out.stderr + err);
    assert.equal(await exited, 0, err);
    assert.ok(Date.now() - t0 >= 1000, 'it stayed up for the idle time');
    rmSync(activated, { force: true });
  });

  test('_ping and /version as dockerd answers them, on unversioned and /v1.xx paths', async () => {
    for (const method of ['GET', 'HEAD']) {
      const r = await api(method, '/_ping');
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), method === 'GET' ? 'OK' : '');
      assert.equal(r.headers['api-version'], '1.47');
      assert.equal(r.headers.ostype, 'linux');
      assert.equal(r.headers['docker-experimental'], 'false');
      assert.equal(r.headers['cache-control'], 'no-cache, no-store, must-revalidate');
      assert.equal(r.headers.pragma, 'no-cache');
      assert.ok(r.headers['builder-version']);
    }
    for (const path of ['/version', '/v1.24/version', '/v1.47/version', '/v1.99/version']) {
      const v = jsonOf(await api('GET', path));
      assert.equal(v.ApiVersion, '1.47', path);
      assert.equal(v.MinAPIVersion, '1.24');
    }
    const old = await api('GET', '/v1.12/version');
    assert.equal(old.status, 400);
    assert.match(String(jsonOf(old).message), /too old/);
    const out = await dockerOk(['version', '--format', '{{.Server.APIVersion}} {{.Server.Os}}']);
    assert.equal(out.trim(), '1.47 linux');
  });

  test('errors: bad JSON is 400 and creates nothing, unknown ids 404, conflicts 409', async () => {
    const before = (await ok(sb, ['ps', '-aq'])).trim();
    const bad = await api('POST', '/containers/create?name=broken', '{"Image": ');
    assert.equal(bad.status, 400);
    assert.match(String(jsonOf(bad).message), /invalid JSON/);
    const wrongType = await api('POST', '/containers/create?name=broken', JSON.stringify({ Image: IMG, Cmd: 5 }));
    assert.equal(wrongType.status, 400);
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), before, 'nothing was created');
    const missing = await api('GET', '/containers/nope/json');
    assert.equal(missing.status, 404);
    assert.match(String(jsonOf(missing).message), /No such container: nope/);
    assert.equal((await api('GET', '/images/no/such:image/json')).status, 404);
    assert.equal((await api('POST', '/containers/create', JSON.stringify({ Image: 'no/such:image' }))).status, 404);
    const id = String(jsonOf(await api('POST', '/containers/create?name=dup', JSON.stringify({ Image: IMG, Cmd: ['true'] }))).Id);
    const dup = await api('POST', '/containers/create?name=dup', JSON.stringify({ Image: IMG, Cmd: ['true'] }));
    assert.equal(dup.status, 409);
    assert.match(String(jsonOf(dup).message), /already in use/);
    assert.equal((await api('DELETE', `/containers/${id}`)).status, 204);
    assert.equal((await api('POST', '/build?buildargs=%7Bnot', '')).status, 400);
    // the Dockerfile is a path in the sent context, never a file of the service's host
    for (const df of ['/etc/shadow', '../../etc/shadow', 'a/../../x']) assert.equal((await api('POST', `/build?dockerfile=${encodeURIComponent(df)}`, '')).status, 400, df);
    assert.equal((await api('GET', '/nothing/here')).status, 404);
  });
});

describe('containers with the docker CLI', () => {
  test('run --rm: output on the right streams, the container\'s exit code, nothing left', async () => {
    const r = await docker(['run', '--rm', IMG, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
    const missing = await docker(['run', '--rm', IMG, 'no-such-command']);
    assert.equal(missing.code, 127, missing.stderr);
    assert.deepEqual(readdirSync(join(sb.runroot, 'socket')), [], 'no attach socket links left');
  });

  test('run -d, ps, logs, exec, inspect, stop, rm; the CLI sees the same container', async () => {
    const id = (await dockerOk(['run', '-d', '--name', 'ticker', '-e', 'WHO=api', IMG, 'sh', '-c', 'echo hello $WHO; echo oops >&2; while true; do sleep 1; done'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(await dockerOk(['ps', '--format', '{{.Names}} {{.Status}}']), /^ticker Up /m);
    assert.match(await ok(sb, ['ps', '--format', '{{.Names}}']), /^ticker$/m, 'the CLI sees what the API started');
    await new Promise((r) => setTimeout(r, 300));
    const logs = await docker(['logs', 'ticker']);
    assert.equal(logs.stdout, 'hello api\n');
    assert.equal(logs.stderr, 'oops\n');
    const ex = await docker(['exec', 'ticker', 'sh', '-c', 'echo $WHO from exec; exit 4']);
    assert.equal(ex.code, 4);
    assert.equal(ex.stdout, 'api from exec\n');
    assert.equal(await dockerOk(['exec', '-i', 'ticker', 'cat'], { input: 'through stdin\n' }), 'through stdin\n');
    const missing = await docker(['exec', 'ticker', 'no-such-command']);
    assert.equal(missing.code, 126, 'a command the runtime cannot start is 126, as docker has it');
    assert.match(missing.stdout, /^OCI runtime exec failed: .*"no-such-command": executable file not found in \$PATH: unknown\r\n$/);
    assert.equal(missing.stderr, '');
    const stderrLike = await docker(['exec', 'ticker', 'sh', '-c', 'echo \'time="x" level=error msg="y"\' >&2; exit 255']);
    assert.equal(stderrLike.code, 255, 'the process\'s own stderr and 255 are its own');
    assert.equal(stderrLike.stderr, 'time="x" level=error msg="y"\n');
    const tty = await docker(['exec', '-t', 'ticker', 'sh', '-c', 'tty; exit 3']);
    assert.equal(tty.code, 3, tty.stderr);
    assert.match(tty.stdout, /^\/dev\/pts\/\d+\r\n$/, 'exec -t runs on a terminal of its own');
    assert.equal((await dockerOk(['inspect', '-f', '{{.State.Status}} {{.Name}} {{.Config.Image}}', 'ticker'])).trim(), 'running /ticker ' + IMG);
    const top = await dockerOk(['top', 'ticker']);
    assert.match(top, /PID/);
    assert.match(top, /sleep|sh -c/);
    assert.equal((await dockerOk(['stop', '-t', '1', 'ticker'])).trim(), 'ticker');
    assert.equal((await ok(sb, ['inspect', '-f', '{{.State.Status}}', 'ticker'])).trim(), 'exited');
    assert.equal((await dockerOk(['rm', 'ticker'])).trim(), 'ticker');
    assert.equal((await sb.run(['inspect', 'ticker'])).code, 1);
  });

  test('killing the service (kill -9) leaves containers running; a new service sees them', async () => {
    await dockerOk(['run', '-d', '--name', 'survivor', IMG, 'sleep', '300']);
    await stopService('SIGKILL');
    assert.equal((await ok(sb, ['inspect', '-f', '{{.State.Running}}', 'survivor'])).trim(), 'true');
    rmSync(sock, { force: true });
    service = await startService();
    assert.equal((await dockerOk(['inspect', '-f', '{{.State.Running}}', 'survivor'])).trim(), 'true');
    await dockerOk(['rm', '-f', 'survivor']);
  });

  test('run -it gives a working shell through a terminal', async () => {
    const term = inTerminal(`${DOCKER} run -it --rm ${IMG} sh`, { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: sb.dockerConfig });
    await term.waitFor(/# /);
    term.write('echo answer-$((6*7))\r');
    await term.waitFor(/answer-42/);
    term.write('exit 6\r');
    assert.equal(await term.exited, 6);
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
  });

  test('exec -it gives a working shell through a terminal of the right size; resize; detach keys leave it running', async (t) => {
    await dockerOk(['run', '-d', '--name', 'shell-host', IMG, 'sleep', '300']);
    // The outer terminal is 33x77: the CLI sends that size at start (ConsoleSize) and as a resize.
    const term = inTerminal(`stty rows 33 cols 77; ${DOCKER} exec -it -e WHO=tty shell-host sh`, { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: sb.dockerConfig });
    await term.waitFor(/# /);
    term.write('echo $WHO-$((6*7)) $(stty size) $(tty)\r');
    await term.waitFor(/tty-42 33 77 \/dev\/pts\/\d+/);
    term.write('exit 6\r');
    assert.equal(await term.exited, 6, term.output());

    // Resize through the API (what the CLI does on SIGWINCH), on an exec started by an SDK.
    const d = new Docker({ socketPath: sock });
    const ex = await d.getContainer('shell-host').exec({ Cmd: ['sh'], Tty: true, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const stream = await ex.start({ hijack: true, stdin: true, Tty: true });
    t.after(() => stream.destroy());
    let got = '';
    stream.on('data', (b: Buffer) => (got += b.toString()));
    const until = async (re: RegExp) => {
      for (let i = 0; i < 100 && !re.test(got); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(got, re);
    };
    assert.equal((await ex.inspect()).Running, true);
    await ex.resize({ h: 41, w: 123 });
    stream.write('echo size=$(stty size)\n');
    await until(/size=41 123/);
    assert.equal((await api('POST', `/exec/${ex.id}/resize?h=x&w=1`)).status, 400);
    // ctrl-p ctrl-q: the client goes, the shell stays until it is told to exit by another exec
    stream.write('echo $$ > /shell.pid; echo pid-$((1+1))-saved\n');
    await until(/pid-2-saved/);
    const ended = new Promise((r) => stream.on('end', r));
    stream.write(Buffer.from([0x10, 0x11]));
    await ended;
    assert.equal((await ex.inspect()).Running, true, 'detached, still running');
    // The session is conmon's, not the service's: it outlives a kill -9 of the service, and a
    // new service reads its exit code from the session's exit file.
    await stopService('SIGKILL');
    rmSync(sock, { force: true });
    service = await startService();
    assert.equal((await ex.inspect()).Running, true, 'still running after the service was killed');
    await dockerOk(['exec', 'shell-host', 'sh', '-c', 'kill -9 $(cat /shell.pid)']);
    for (let i = 0; i < 50 && (await ex.inspect()).Running; i++) await new Promise((r) => setTimeout(r, 100));
    const done = await ex.inspect();
    assert.equal(done.Running, false);
    assert.equal(done.ExitCode, 137);

    const missing = await docker(['exec', '-t', 'shell-host', 'no-such-command']);
    assert.equal(missing.code, 126);
    assert.match(missing.stdout + missing.stderr, /no-such-command.*not found/);
    await dockerOk(['rm', '-f', 'shell-host']);
    assert.deepEqual(readdirSync(join(sb.runroot, 'exec-sessions')), [], 'the sessions left nothing behind');
    const links = readdirSync(join(sb.runroot, 'socket')).map((n) => readlinkSync(join(sb.runroot, 'socket', n)));
    assert.deepEqual(links.filter((l) => l.includes('exec-sessions')), [], 'nor links to their sockets');
  });

  test('websocket attach: stdin in, raw output out in binary frames (text before API 1.28); 404 before the upgrade', async () => {
    // run -d -i: StdinOnce is false, so a client that goes leaves the container's stdin open for the next
    const id = (await dockerOk(['run', '-d', '-i', '--name', 'wsbox', IMG, 'sh', '-c', 'echo ready; while read l; do echo got-$l; echo err-$l >&2; done'])).trim();
    const open = (path: string) =>
      new Promise<{ ws: WebSocket; frames: Array<{ text: string; binary: boolean }> }>((resolve, reject) => {
        const ws = new WebSocket(`ws+unix://${sock}:${path}`);
        const frames: Array<{ text: string; binary: boolean }> = [];
        ws.on('message', (d: Buffer, binary: boolean) => frames.push({ text: d.toString(), binary }));
        ws.once('open', () => resolve({ ws, frames }));
        ws.once('error', reject);
      });
    const until = async (frames: Array<{ text: string }>, re: RegExp) => {
      for (let i = 0; i < 100 && !re.test(frames.map((f) => f.text).join('')); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(frames.map((f) => f.text).join(''), re);
    };
    const a = await open(`/v1.47/containers/${id}/attach/ws?logs=1&stream=1&stdin=1&stdout=1&stderr=1`);
    await until(a.frames, /ready\n/);
    a.ws.send(Buffer.from('one\n'));
    await until(a.frames, /got-one\n[\s\S]*err-one\n|err-one\n[\s\S]*got-one\n/);
    assert.ok(a.frames.every((f) => f.binary), 'binary frames');
    assert.doesNotMatch(a.frames.map((f) => f.text).join(''), /\u0001\u0000\u0000\u0000/, 'not multiplexed');
    a.ws.close();
    // API 1.42+: only the streams asked for; before 1.28: text frames
    const b = await open(`/v1.27/containers/${id}/attach/ws?stream=1&stdin=1`);
    b.ws.send('two\n');
    await until(b.frames, /got-two\n/);
    assert.ok(b.frames.every((f) => !f.binary), 'text frames before API 1.28');
    b.ws.close();
    const c = await open(`/v1.47/containers/${id}/attach/ws?stream=1&stdin=1&stdout=1`);
    c.ws.send('three\n');
    await until(c.frames, /got-three\n/);
    await new Promise((r) => setTimeout(r, 200));
    assert.doesNotMatch(c.frames.map((f) => f.text).join(''), /err-three/, 'stderr was not asked for');
    c.ws.close();
    await assert.rejects(open('/v1.47/containers/nope/attach/ws?stream=1'), /404/);
    await dockerOk(['rm', '-f', 'wsbox']);
  });

  test('attach with stdin (run -i), wait conditions, logs as multiplexed frames', async () => {
    assert.equal(await dockerOk(['run', '-i', '--rm', IMG, 'sh', '-c', 'cat; echo end'], { input: 'piped\n' }), 'piped\nend\n');
    const id = String(jsonOf(await api('POST', '/containers/create?name=framed', JSON.stringify({ Image: IMG, Cmd: ['sh', '-c', 'echo one; echo two >&2'] }))).Id);
    const waiting = api('POST', `/containers/${id}/wait?condition=next-exit`);
    assert.equal((await api('POST', `/containers/${id}/start`)).status, 204);
    assert.deepEqual(jsonOf(await waiting), { StatusCode: 0, Error: null });
    assert.equal((await api('POST', `/containers/${id}/start`)).status, 204, 'a stopped container starts again');
    await api('POST', `/containers/${id}/wait`);
    const logs = await api('GET', `/containers/${id}/logs?stdout=1&stderr=1&tail=2`);
    assert.equal(logs.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
    assert.deepEqual(demux(logs.body), [{ stream: 1, text: 'one\n' }, { stream: 2, text: 'two\n' }]);
    assert.deepEqual(demux((await api('GET', `/containers/${id}/logs?stderr=1`)).body).map((f) => f.text), ['two\n', 'two\n']);
    assert.equal((await api('POST', `/containers/${id}/stop`)).status, 304);
    assert.equal((await api('POST', `/containers/${id}/wait?condition=bogus`)).status, 400);
    const removed = api('POST', `/containers/${id}/wait?condition=removed`);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await api('DELETE', `/containers/${id}`)).status, 204);
    assert.equal(jsonOf(await removed).StatusCode, 0);
  });

  test('cp in and out (archive PUT/GET/HEAD)', async () => {
    await dockerOk(['run', '-d', '--name', 'files', IMG, 'sh', '-c', 'mkdir /tmp; exec sleep 300']);
    const src = join(work, 'note.txt');
    writeFileSync(src, 'a note\n');
    await dockerOk(['cp', src, 'files:/tmp/']);
    assert.equal(await dockerOk(['exec', 'files', 'cat', '/tmp/note.txt']), 'a note\n');
    const back = join(work, 'back.txt');
    await dockerOk(['cp', 'files:/tmp/note.txt', back]);
    assert.equal(readFileSync(back, 'utf8'), 'a note\n');
    const head = await api('HEAD', '/containers/files/archive?path=/tmp/note.txt');
    assert.equal(head.status, 200);
    const stat = JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString()) as { name: string; size: number };
    assert.equal(stat.name, 'note.txt');
    assert.equal(stat.size, 7);
    assert.equal((await api('HEAD', '/containers/files/archive?path=/nope')).status, 404);
    await dockerOk(['rm', '-f', 'files']);
  });

  test('events: what the API did, filtered, between since and until', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await dockerOk(['run', '--rm', '--name', 'evented', IMG, 'true']);
    const out = await dockerOk(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'container=evented', '--format', '{{.Action}}']);
    assert.deepEqual(out.trim().split('\n'), ['create', 'start', 'die', 'destroy']);
  });
});

describe('images, networks, volumes with the docker CLI', () => {
  test('push, rmi, pull from a registry; images, tag, history', async () => {
    const ref = `${reg.host}/api/box:1`;
    await dockerOk(['tag', IMG, ref]);
    const pushed = await dockerOk(['push', ref]);
    assert.match(pushed, /1: digest: sha256:[0-9a-f]{64} size: \d+/);
    await dockerOk(['rmi', ref]);
    assert.equal((await sb.run(['inspect', ref])).code, 1);
    const pulled = await dockerOk(['pull', ref]);
    assert.match(pulled, /Status: (Downloaded newer image|Image is up to date) for /);
    assert.match(await dockerOk(['images', '--format', '{{.Repository}}:{{.Tag}}']), new RegExp(`^${reg.host}/api/box:1$`, 'm'));
    assert.match(await dockerOk(['history', ref]), /IMAGE/);
    const missing = await docker(['pull', `${reg.host}/api/none:1`]);
    assert.notEqual(missing.code, 0);
    await dockerOk(['rmi', ref]);
  });

  test('docker build (the classic POST /build): tags, build args, cache, errors with the Dockerfile line', async () => {
    const ctx = join(work, 'build-ctx');
    rmSync(ctx, { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${IMG}\nARG WORD=default\nCOPY msg.txt /msg.txt\nRUN echo "$WORD" >> /msg.txt\nCMD ["cat", "/msg.txt"]\n`);
    writeFileSync(join(ctx, 'msg.txt'), 'from the context\n');
    const env = { DOCKER_BUILDKIT: '0' };
    const built = await docker(['build', '-t', 'api/built:1', '--build-arg', 'WORD=through-the-api', '--iidfile', join(work, 'iid'), ctx], { env });
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stdout, /Successfully built [0-9a-f]{12}\nSuccessfully tagged api\/built:1\n/);
    assert.match(readFileSync(join(work, 'iid'), 'utf8'), /^sha256:[0-9a-f]{64}$/);
    assert.equal(await dockerOk(['run', '--rm', 'api/built:1']), 'from the context\nthrough-the-api\n');
    const again = await docker(['build', '-q', '--build-arg', 'WORD=through-the-api', ctx], { env });
    assert.equal(again.stdout.trim(), readFileSync(join(work, 'iid'), 'utf8'), 'a cached rebuild gives the same image');
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${IMG}\nRUN exit 5\n`);
    const failed = await docker(['build', ctx], { env });
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr + failed.stdout, /Dockerfile:2[\s\S]*exit code: 5/);
    await dockerOk(['rmi', 'api/built:1']);
  });

  test('import from an http URL (fromSrc)', async () => {
    const tarball = readFileSync(join(work, 'rootfs.tar'));
    const server = createServer((req, res) => {
      if (req.url !== '/rootfs.tar') return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Length': tarball.length }).end(tarball);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const id = (await dockerOk(['import', '-c', 'CMD ["echo", "imported"]', `${base}/rootfs.tar`, 'api/imported:url'])).trim();
      assert.match(id, /^sha256:[0-9a-f]{64}$/);
      assert.equal(await dockerOk(['run', '--rm', 'api/imported:url']), 'imported\n');
      assert.match(await dockerOk(['history', '--no-trunc', '--format', '{{.Comment}}', 'api/imported:url']), new RegExp(`Imported from ${base}/rootfs.tar`));
      const missing = await docker(['import', `${base}/nope.tar`, 'api/imported:nope']);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /404/);
      await dockerOk(['rmi', 'api/imported:url']);
    } finally {
      server.close();
    }
  });

  test('network create/ls/inspect/rm and volume create/ls/rm', async () => {
    const id = (await dockerOk(['network', 'create', 'apinet'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const names = (await dockerOk(['network', 'ls', '--format', '{{.Name}}'])).trim().split('\n');
    for (const n of ['apinet', 'bridge', 'host', 'none']) assert.ok(names.includes(n), `${n} in ${names.join(',')}`);
    assert.equal((await dockerOk(['network', 'inspect', '-f', '{{.Driver}}', 'apinet'])).trim(), 'bridge');
    assert.equal((await docker(['network', 'create', 'apinet'])).code, 1);
    await dockerOk(['network', 'rm', 'apinet']);
    assert.equal((await dockerOk(['volume', 'create', 'apivol'])).trim(), 'apivol');
    assert.match(await dockerOk(['volume', 'ls', '--format', '{{.Name}}']), /^apivol$/m);
    assert.equal(await dockerOk(['run', '--rm', '-v', 'apivol:/data', IMG, 'sh', '-c', 'echo kept > /data/f']), '');
    assert.equal(await dockerOk(['run', '--rm', '-v', 'apivol:/data', IMG, 'cat', '/data/f']), 'kept\n');
    await dockerOk(['volume', 'rm', 'apivol']);
    assert.equal((await docker(['volume', 'inspect', 'apivol'])).code, 1);
  });
});

describe('dockerode', () => {
  test('list, create, start, wait, logs, exec, remove through the SDK', async () => {
    const d = new Docker({ socketPath: sock });
    assert.equal((await d.ping()).toString(), 'OK');
    const images = await d.listImages();
    assert.ok(images.some((i) => i.RepoTags?.includes(IMG)));
    const c = await d.createContainer({ Image: IMG, Cmd: ['sh', '-c', 'echo from-sdk; sleep 30'], name: 'sdk', Labels: { via: 'dockerode' } });
    await c.start();
    const listed = await d.listContainers({ filters: { label: ['via=dockerode'] } });
    assert.deepEqual(listed.map((x) => x.Names[0]), ['/sdk']);
    assert.equal(listed[0].State, 'running');
    const ex = await c.exec({ Cmd: ['sh', '-c', 'echo exec-out; exit 2'], AttachStdout: true, AttachStderr: true });
    const stream = await ex.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    stream.on('data', (b: Buffer) => chunks.push(b));
    await new Promise((r) => stream.on('end', r));
    assert.deepEqual(demux(Buffer.concat(chunks)), [{ stream: 1, text: 'exec-out\n' }]);
    assert.equal((await ex.inspect()).ExitCode, 2);
    const logs = (await c.logs({ stdout: true, follow: false })) as unknown as Buffer;
    assert.deepEqual(demux(logs).map((f) => f.text), ['from-sdk\n']);
    await c.kill();
    assert.equal((await c.wait()).StatusCode, 137);
    const info = await c.inspect();
    assert.equal(info.State.Status, 'exited');
    await c.remove();
    await assert.rejects(c.inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
    await d.createVolume({ Name: 'sdkvol', Labels: { a: 'b' } });
    assert.deepEqual((await d.getVolume('sdkvol').inspect()).Labels, { a: 'b' });
    await d.getVolume('sdkvol').remove();
  });
});
