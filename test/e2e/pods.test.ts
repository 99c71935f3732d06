// Pods: containers sharing network, IPC and UTS namespaces through an infra container; and the
// --pid/--ipc/--uts namespace modes they are built from.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxEntries, makeTar, BUSYBOX_PATH } from '../helpers/fixtures.js';
import { ok, sandboxes, type Sandbox } from '../helpers/berth.js';
import { freePort } from '../helpers/registry.js';

const boxes = sandboxes();
let sb: Sandbox;
let work: string;
const IMG = 'test/podbox:1';

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-pods-'));
  const { tar } = await makeTar(busyboxEntries(readFileSync(BUSYBOX_PATH)));
  writeFileSync(join(work, 'rootfs.tar'), tar);
  sb = boxes.fresh();
  await ok(sb, ['import', '-c', 'CMD ["sh"]', join(work, 'rootfs.tar'), IMG]);
});

after(async () => {
  for (const id of (await sb.run(['pod', 'ls', '-q'])).stdout.trim().split('\n').filter(Boolean)) await sb.run(['pod', 'rm', '-f', id]);
  const ids = (await sb.run(['ps', '-aq', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await sb.run(['rm', '-f', ...ids]);
  boxes.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const serve = (text: string) => `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`;

describe('pods', () => {
  test('a web server and a client in one pod: localhost, the pod hostname, a published port; stop, start, rm', async () => {
    const port = await freePort();
    const podId = (await ok(sb, ['pod', 'create', '--name', 'web', '--label', 'tier=front', '-p', `127.0.0.1:${port}:80`])).trim();
    assert.match(podId, /^[0-9a-f]{64}$/);
    await ok(sb, ['run', '-d', '--pod', 'web', '--name', 'server', IMG, 'sh', '-c', serve('from-the-pod')]);
    const client = await ok(sb, ['run', '--rm', '--pod', 'web', IMG, 'sh', '-c', 'hostname; for i in $(seq 50); do wget -qO- http://127.0.0.1/index.html && exit 0; sleep 0.1; done; exit 1']);
    assert.equal(client, 'web\nfrom-the-pod\n');
    assert.equal(await fetch(`http://127.0.0.1:${port}/index.html`).then((r) => r.text()), 'from-the-pod\n');

    assert.match(await ok(sb, ['pod', 'ls']), new RegExp(`^${podId.slice(0, 12)}\\s+web\\s+Running\\s+.*\\s2\\n`, 'm'));
    assert.equal((await ok(sb, ['pod', 'inspect', '-f', '{{.State}} {{.NumContainers}} {{json .SharedNamespaces}} {{index .Labels "tier"}}', 'web'])).trim(), 'Running 2 ["net","ipc","uts"] front');
    assert.deepEqual((await ok(sb, ['ps', '--filter', 'pod=web', '--format', '{{.Names}} {{.PodName}}'])).trim().split('\n').sort(), [`${podId.slice(0, 12)}-infra web`, 'server web']);
    const top = await ok(sb, ['pod', 'top', 'web']);
    assert.match(top, /catatonit -P/);
    assert.match(top, /httpd -f -p 80/);

    const rmInfra = await sb.run(['rm', '-f', `${podId.slice(0, 12)}-infra`]);
    assert.equal(rmInfra.code, 1);
    assert.match(rmInfra.stderr, /is the infra container of pod web/);
    const busy = await sb.run(['pod', 'rm', 'web']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /pod web has running containers/);

    const stats = await ok(sb, ['pod', 'stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'web']);
    assert.deepEqual(stats.trim().split('\n').map((l) => l.split(' ')[0]).sort(), [`${podId.slice(0, 12)}-infra`, 'server']);
    const before = await ok(sb, ['inspect', '-f', '{{.State.StartedAt}}', 'server']);
    await ok(sb, ['pod', 'restart', '-t', '1', 'web']);
    assert.notEqual(await ok(sb, ['inspect', '-f', '{{.State.StartedAt}}', 'server']), before, 'pod restart starts the members again');
    assert.match(await ok(sb, ['pod', 'ls', '--format', '{{.Name}} {{.Status}}']), /^web Running$/m);

    await ok(sb, ['pod', 'stop', '-t', '1', 'web']);
    assert.match(await ok(sb, ['pod', 'ls', '--format', '{{.Name}} {{.Status}}']), /^web Exited$/m);
    await ok(sb, ['pod', 'start', 'web']);
    const again = await ok(sb, ['run', '--rm', '--pod', 'web', IMG, 'sh', '-c', 'for i in $(seq 50); do wget -qO- http://127.0.0.1/index.html && exit 0; sleep 0.1; done; exit 1']);
    assert.equal(again, 'from-the-pod\n');

    await ok(sb, ['pod', 'rm', '-f', 'web']);
    assert.equal((await ok(sb, ['pod', 'ls', '-q'])).trim(), '');
    assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
    const gone = await fetch(`http://127.0.0.1:${port}/`).then(() => 'open').catch(() => 'closed');
    assert.equal(gone, 'closed');
  });

  test('ports and networks belong to the pod; an unknown pod is an error; prune removes stopped pods', async () => {
    await ok(sb, ['pod', 'create', '--name', 'rules']);
    const port = await sb.run(['run', '--rm', '--pod', 'rules', '-p', '8080:80', IMG, 'true']);
    assert.equal(port.code, 125);
    assert.match(port.stderr, /published ports belong to the pod/);
    const net = await sb.run(['run', '--rm', '--pod', 'rules', '--network', 'none', IMG, 'true']);
    assert.match(net.stderr, /uses the pod's network/);
    const unknown = await sb.run(['run', '--rm', '--pod', 'nosuch', IMG, 'true']);
    assert.match(unknown.stderr, /no pod with name or ID nosuch found/);
    await ok(sb, ['pod', 'start', 'rules']);
    await ok(sb, ['pod', 'kill', 'rules']);
    assert.match(await ok(sb, ['pod', 'ls', '--format', '{{.Name}} {{.Status}}']), /^rules Exited$/m);
    assert.equal((await ok(sb, ['pod', 'prune', '-f'])).trim().length, 64);
    assert.equal((await ok(sb, ['pod', 'ls', '-q'])).trim(), '');
  });
});

describe('namespace modes', () => {
  test('--pid, --ipc and --uts container:<name> join another container; --uts host takes the host name', async () => {
    await ok(sb, ['run', '-d', '--name', 'holder', '--hostname', 'holder-host', '--network', 'none', IMG, 'sleep', '300']);
    const ns = async (args: string[]) => (await ok(sb, ['run', '--rm', '--network', 'none', ...args, IMG, 'sh', '-c', 'for f in /proc/1/ns/pid /proc/self/ns/ipc /proc/self/ns/uts; do readlink $f; done; hostname'])).trim().split('\n');
    const mine = await ns([]);
    const joined = await ns(['--pid', 'container:holder', '--ipc', 'container:holder', '--uts', 'container:holder']);
    const holder = (await ok(sb, ['exec', 'holder', 'sh', '-c', 'for f in /proc/1/ns/pid /proc/self/ns/ipc /proc/self/ns/uts; do readlink $f; done'])).trim().split('\n');
    assert.deepEqual(joined.slice(0, 3), holder);
    assert.equal(joined[3], 'holder-host');
    for (let i = 0; i < 3; i++) assert.notEqual(mine[i], holder[i]);
    const sleeping = await ok(sb, ['run', '--rm', '--network', 'none', '--pid', 'container:holder', IMG, 'ps', '-o', 'comm']);
    assert.match(sleeping, /^sleep$/m);
    const host = await ok(sb, ['run', '--rm', '--network', 'none', '--uts', 'host', IMG, 'hostname']);
    assert.equal(host.trim(), (await import('node:os')).hostname());
    const bad = await sb.run(['run', '--rm', '--ipc', 'bogus', IMG, 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /invalid --ipc "bogus"/);
    await ok(sb, ['rm', '-f', 'holder']);
  });
});
