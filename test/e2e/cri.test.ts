// The CRI endpoint (berth system cri) driven by a gRPC client made from the CRI proto, as
// kubelet drives a runtime: pull, a sandbox with two containers that reach each other on
// localhost, exec, status and lists, then stop and remove everything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { busyboxEntries, makeTar, BUSYBOX_PATH } from '../helpers/fixtures.js';
import { REPO, ok, sandboxes, type Sandbox } from '../helpers/berth.js';
import { startServer, stopServer, type Server } from '../helpers/server.js';
import { freePort, startRegistry, type Registry } from '../helpers/registry.js';

const boxes = sandboxes();
let sb: Sandbox;
let work: string;
let sock: string;
let reg: Registry;
let service: Server | undefined;
let runtime: grpc.Client;
let images: grpc.Client;
let ref: string;

type Msg = Record<string, unknown>;
type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One unary call; rejects with the gRPC error (code, details). */
function call(client: grpc.Client, method: string, req: Msg, deadlineSec = 60): Promise<Any> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, (r: Msg, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v: unknown) => void) => void>)[method];
    fn.call(client, req, { deadline: Date.now() + deadlineSec * 1000 }, (e, v) => (e ? reject(e) : resolve(v)));
  });
}

async function callFails(client: grpc.Client, method: string, req: Msg): Promise<grpc.ServiceError> {
  try {
    await call(client, method, req);
  } catch (e) {
    return e as grpc.ServiceError;
  }
  throw new Error(`${method} succeeded`);
}

async function stopService(): Promise<number | null> {
  const s = service;
  service = undefined;
  return stopServer(s);
}

const IMG = 'test/cribox:1';
const serve = (text: string) => `echo started; mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`;
/** Processes whose command line names one of the ids (conmon has the container id in its). */
function processesNaming(ids: string[]): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (ids.some((id) => cmd.includes(id.slice(0, 12)))) out.push(`${pid}: ${cmd}`);
  }
  return out;
}

const fetchLocal = (url: string) => fetch(url).then((r) => r.text()).catch(() => 'closed');

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-cri-'));
  const { tar } = await makeTar(busyboxEntries(readFileSync(BUSYBOX_PATH)));
  writeFileSync(join(work, 'rootfs.tar'), tar);
  sb = boxes.fresh();
  reg = await startRegistry();
  ref = `${reg.host}/cri/busybox:1`;
  // The image reaches the registry from the sandbox, and leaves the store, so PullImage really pulls.
  await ok(sb, ['import', '-c', 'CMD ["sh"]', join(work, 'rootfs.tar'), IMG]);
  await ok(sb, ['tag', IMG, ref]);
  await ok(sb, ['push', ref]);
  await ok(sb, ['rmi', IMG, ref]);
  sock = join(sb.dir, 'cri.sock');
  service = await startServer(sb, ['system', 'cri', '--listen', `unix://${sock}`], sock);
  const def = protoLoader.loadSync(join(REPO, 'src', 'cri', 'api.proto'), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as Any;
  runtime = new pkg.runtime.v1.RuntimeService(`unix://${sock}`, grpc.credentials.createInsecure());
  images = new pkg.runtime.v1.ImageService(`unix://${sock}`, grpc.credentials.createInsecure());
});

after(async () => {
  runtime?.close();
  images?.close();
  await stopService();
  for (const id of (await sb.run(['pod', 'ls', '-q'])).stdout.trim().split('\n').filter(Boolean)) await sb.run(['pod', 'rm', '-f', id]);
  const ids = (await sb.run(['ps', '-aq', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await sb.run(['rm', '-f', ...ids]);
  await reg?.stop();
  boxes.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('CRI (berth system cri)', () => {
  test('version, status, and UNIMPLEMENTED for what is not there', async () => {
    const v = await call(runtime, 'Version', { version: 'v1' });
    assert.equal(v.runtime_name, 'berth');
    assert.equal(v.runtime_api_version, 'v1');
    assert.match(v.runtime_version, /^\d+\.\d+\.\d+/);
    const st = await call(runtime, 'Status', {});
    assert.deepEqual(st.status.conditions.map((c: Any) => [c.type, c.status]), [['RuntimeReady', true], ['NetworkReady', true]]);
    assert.ok(st.runtime_handlers.some((h: Any) => h.name === ''));
    const attach = await callFails(runtime, 'Attach', { container_id: 'x' });
    assert.equal(attach.code, grpc.status.UNIMPLEMENTED);
    assert.match(attach.details, /does not implement RuntimeService\/Attach/);
  });

  test('a sandbox of a web server and a client on localhost: pull, run, exec, lists, status, stop, remove', async () => {
    // Images: absent, pulled, present.
    assert.equal((await call(images, 'ImageStatus', { image: { image: ref } })).image, null);
    const pulled = await call(images, 'PullImage', { image: { image: ref } });
    assert.match(pulled.image_ref, /^sha256:[0-9a-f]{64}$/);
    const img = (await call(images, 'ImageStatus', { image: { image: ref } })).image;
    assert.equal(img.id, pulled.image_ref);
    assert.deepEqual(img.repo_tags, [ref]);
    assert.ok(Number(img.size) > 0);
    assert.ok((await call(images, 'ListImages', {})).images.some((i: Any) => i.id === pulled.image_ref));
    assert.equal((await call(images, 'ListImages', { filter: { image: { image: ref } } })).images.length, 1);
    const fs = await call(images, 'ImageFsInfo', {});
    assert.ok(Number(fs.image_filesystems[0].used_bytes.value) > 0);

    // The sandbox: a berth pod with CRI's metadata, labels, annotations and a published port.
    const logDir = join(work, 'pods', 'default_web_uid1');
    const port = await freePort();
    const sandboxConfig = {
      metadata: { name: 'web', uid: 'uid-1', namespace: 'default', attempt: 0 },
      hostname: 'web',
      log_directory: logDir,
      labels: { app: 'web', 'io.kubernetes.pod.name': 'web' },
      annotations: { 'kubernetes.io/config.source': 'test' },
      port_mappings: [{ protocol: 'TCP', container_port: 80, host_port: port, host_ip: '127.0.0.1' }],
    };
    const podId = (await call(runtime, 'RunPodSandbox', { config: sandboxConfig })).pod_sandbox_id;
    assert.match(podId, /^[0-9a-f]{64}$/);
    const pst = (await call(runtime, 'PodSandboxStatus', { pod_sandbox_id: podId })).status;
    assert.equal(pst.state, 'SANDBOX_READY');
    assert.deepEqual(pst.metadata, sandboxConfig.metadata);
    assert.deepEqual(pst.labels, sandboxConfig.labels);
    assert.deepEqual(pst.annotations, sandboxConfig.annotations);
    assert.match(pst.network.ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.ok(Number(pst.created_at) > 1e18);
    assert.deepEqual((await call(runtime, 'ListPodSandbox', { filter: { label_selector: { app: 'web' } } })).items.map((p: Any) => p.id), [podId]);
    assert.equal((await call(runtime, 'ListPodSandbox', { filter: { label_selector: { app: 'other' } } })).items.length, 0);
    assert.equal((await call(runtime, 'ListPodSandbox', { filter: { state: { state: 'SANDBOX_NOTREADY' } } })).items.length, 0);
    assert.equal((await call(runtime, 'ListPodSandbox', { filter: { id: podId.slice(0, 12) } })).items.length, 1);
    // It is a berth pod like any other.
    assert.match(await ok(sb, ['pod', 'ls', '--format', '{{.Name}} {{.Status}}']), /^k8s_POD_web_default_uid-1_0 Running$/m);

    // The server: command, env, working dir, a read-only bind mount, labels, annotations, its log where CRI asks.
    const data = join(work, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'file'), 'from-the-host\n');
    const serverCfg = {
      metadata: { name: 'server', attempt: 0 },
      image: { image: pulled.image_ref, user_specified_image: ref },
      command: ['sh', '-c'],
      args: [serve('from-cri')],
      envs: [{ key: 'GREETING', value: Buffer.from('hello there') }],
      working_dir: '/tmp',
      mounts: [{ container_path: '/data', host_path: data, readonly: true }],
      labels: { role: 'server' },
      annotations: { note: 'serves' },
      log_path: 'server/0.log',
    };
    const server = (await call(runtime, 'CreateContainer', { pod_sandbox_id: podId, config: serverCfg, sandbox_config: sandboxConfig })).container_id;
    assert.match(server, /^[0-9a-f]{64}$/);
    assert.equal((await call(runtime, 'ContainerStatus', { container_id: server })).status.state, 'CONTAINER_CREATED');
    await call(runtime, 'StartContainer', { container_id: server });
    const client = (await call(runtime, 'CreateContainer', {
      pod_sandbox_id: podId,
      config: { metadata: { name: 'client', attempt: 1 }, image: { image: ref }, command: ['sleep', '3600'], labels: { role: 'client' }, log_path: 'client/1.log', linux: { security_context: { run_as_user: { value: 1000 } } } },
      sandbox_config: sandboxConfig,
    })).container_id;
    await call(runtime, 'StartContainer', { container_id: client });

    // The client reaches the server on localhost (one network namespace), as user 1000, with the pod's hostname.
    const got = await call(runtime, 'ExecSync', { container_id: client, cmd: ['sh', '-c', 'id -u; hostname; for i in $(seq 50); do wget -qO- http://127.0.0.1/index.html && exit 0; sleep 0.1; done; exit 1'], timeout: 30 });
    assert.equal(got.exit_code, 0, Buffer.from(got.stderr).toString());
    assert.equal(Buffer.from(got.stdout).toString(), '1000\nweb\nfrom-cri\n');
    const inServer = await call(runtime, 'ExecSync', { container_id: server, cmd: ['sh', '-c', 'cat /data/file; echo "$GREETING"; pwd; touch /data/x 2>/dev/null || echo read-only'] });
    assert.equal(Buffer.from(inServer.stdout).toString(), 'from-the-host\nhello there\n/tmp\nread-only\n');
    const failing = await call(runtime, 'ExecSync', { container_id: server, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    assert.deepEqual([Buffer.from(failing.stdout).toString(), Buffer.from(failing.stderr).toString(), failing.exit_code], ['out\n', 'err\n', 3]);
    const t0 = Date.now();
    const slow = await callFails(runtime, 'ExecSync', { container_id: server, cmd: ['sleep', '30'], timeout: 1 });
    assert.equal(slow.code, grpc.status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - t0 < 10_000);
    const ps = await call(runtime, 'ExecSync', { container_id: server, cmd: ['ps', '-o', 'pid,stat,comm'] });
    const sleeping = Buffer.from(ps.stdout).toString().split('\n').filter((l) => /\ssleep$/.test(l) && !/\sZ/.test(l));
    assert.deepEqual(sleeping, [], `the timed-out process was killed:\n${Buffer.from(ps.stdout).toString()}`);
    // The sandbox's port mapping is published on the host.
    assert.equal(await fetchLocal(`http://127.0.0.1:${port}/index.html`), 'from-cri\n');

    // Lists and status.
    const listed = (await call(runtime, 'ListContainers', { filter: { pod_sandbox_id: podId } })).containers;
    assert.deepEqual(listed.map((c: Any) => c.metadata.name).sort(), ['client', 'server']);
    assert.deepEqual((await call(runtime, 'ListContainers', { filter: { label_selector: { role: 'server' } } })).containers.map((c: Any) => c.id), [server]);
    assert.equal((await call(runtime, 'ListContainers', { filter: { state: { state: 'CONTAINER_RUNNING' } } })).containers.length, 2);
    assert.equal((await call(runtime, 'ListContainers', { filter: { state: { state: 'CONTAINER_EXITED' } } })).containers.length, 0);
    const cst = (await call(runtime, 'ContainerStatus', { container_id: server })).status;
    assert.equal(cst.state, 'CONTAINER_RUNNING');
    assert.deepEqual(cst.metadata, { name: 'server', attempt: 0 });
    assert.deepEqual(cst.labels, { role: 'server' });
    assert.deepEqual(cst.annotations, { note: 'serves' });
    assert.equal(cst.image.image, ref);
    assert.equal(cst.image_ref, pulled.image_ref);
    assert.equal(cst.log_path, join(logDir, 'server/0.log'));
    assert.deepEqual(cst.mounts.map((m: Any) => [m.container_path, m.host_path, m.readonly]), [['/data', data, true]]);
    assert.ok(Number(cst.started_at) >= Number(cst.created_at));
    // conmon writes the log in CRI's format where CRI asked; `berth logs` reads the same file.
    assert.match(readFileSync(join(logDir, 'server/0.log'), 'utf8'), /^\d{4}-\d\d-\d\dT\S+ stdout F started$/m);
    assert.equal(await ok(sb, ['logs', server]), 'started\n');

    // Stop (with a timeout), remove; removing again is no error.
    await call(runtime, 'StopContainer', { container_id: server, timeout: 2 });
    const stopped = (await call(runtime, 'ContainerStatus', { container_id: server })).status;
    assert.equal(stopped.state, 'CONTAINER_EXITED');
    assert.ok(Number(stopped.finished_at) >= Number(stopped.started_at));
    assert.equal((await call(runtime, 'ListContainers', { filter: { state: { state: 'CONTAINER_EXITED' } } })).containers.length, 1);
    assert.equal(await fetchLocal(`http://127.0.0.1:${port}/index.html`), 'closed');
    await call(runtime, 'RemoveContainer', { container_id: server });
    await call(runtime, 'RemoveContainer', { container_id: server });
    assert.equal((await callFails(runtime, 'ContainerStatus', { container_id: server })).code, grpc.status.NOT_FOUND);
    assert.ok(existsSync(join(logDir, 'server/0.log')), 'the CRI log stays for kubelet to remove');

    // The sandbox: stop (the client goes with it), remove.
    await call(runtime, 'StopPodSandbox', { pod_sandbox_id: podId });
    assert.equal((await call(runtime, 'PodSandboxStatus', { pod_sandbox_id: podId })).status.state, 'SANDBOX_NOTREADY');
    assert.equal((await call(runtime, 'ContainerStatus', { container_id: client })).status.state, 'CONTAINER_EXITED');
    await call(runtime, 'RemovePodSandbox', { pod_sandbox_id: podId });
    await call(runtime, 'RemovePodSandbox', { pod_sandbox_id: podId });
    await call(runtime, 'StopPodSandbox', { pod_sandbox_id: podId });
    assert.equal((await callFails(runtime, 'PodSandboxStatus', { pod_sandbox_id: podId })).code, grpc.status.NOT_FOUND);
    assert.equal((await call(runtime, 'ListPodSandbox', {})).items.length, 0);
    assert.equal((await call(runtime, 'ListContainers', {})).containers.length, 0);

    // Nothing is left: no pod, no container, no process (monitors included) naming one, no log link.
    assert.equal((await ok(sb, ['pod', 'ls', '-q'])).trim(), '');
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
    assert.deepEqual(processesNaming([podId, server, client]), []);
    assert.equal(existsSync(join(sb.root, 'containers', server)), false);
    assert.equal(await fetchLocal(`http://127.0.0.1:${port}/index.html`), 'closed');

    // The image goes too (RemoveImage of an absent image is no error).
    await call(images, 'RemoveImage', { image: { image: pulled.image_ref } });
    assert.equal((await call(images, 'ImageStatus', { image: { image: ref } })).image, null);
    await call(images, 'RemoveImage', { image: { image: ref } });
  });

  test('errors: an unknown sandbox, a missing image, an invalid config', async () => {
    assert.equal((await callFails(runtime, 'CreateContainer', { pod_sandbox_id: 'nosuch', config: { metadata: { name: 'x' }, image: { image: ref } } })).code, grpc.status.NOT_FOUND);
    assert.equal((await callFails(runtime, 'RunPodSandbox', { config: { hostname: 'x' } })).code, grpc.status.INVALID_ARGUMENT);
    const podId = (await call(runtime, 'RunPodSandbox', { config: { metadata: { name: 'errs', uid: 'u2', namespace: 'default', attempt: 0 } } })).pod_sandbox_id;
    const missing = await callFails(runtime, 'CreateContainer', { pod_sandbox_id: podId, config: { metadata: { name: 'x' }, image: { image: `${reg.host}/cri/absent:1` } } });
    assert.equal(missing.code, grpc.status.NOT_FOUND);
    assert.match(missing.details, /No such image/);
    await call(runtime, 'RemovePodSandbox', { pod_sandbox_id: podId });
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
  });

  test('the service stops on SIGTERM and removes its socket', async () => {
    const errors = service?.stderr() ?? '';
    assert.equal(await stopService(), 0, errors);
    assert.equal(existsSync(sock), false);
  });
});
