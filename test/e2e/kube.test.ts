// Kubernetes YAML: `berth kube generate` from a pod, `berth kube play` (--replace, --down,
// --start=false) of what it wrote and of hand-written manifests with ConfigMaps, Secrets, a PVC
// and a Job. Each test has its own sandbox and removes what it made.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { busyboxEntries, makeTar, BUSYBOX_PATH } from '../helpers/fixtures.js';
import { ok, sandboxes, type Sandbox } from '../helpers/berth.js';
import { freePort } from '../helpers/registry.js';

const boxes = sandboxes();
const IMG = 'test/kubebox:1';
let rootfs: Buffer | undefined;

/** A sandbox with the busybox image, and a directory for YAML files. */
async function setup(): Promise<{ sb: Sandbox; work: string }> {
  rootfs ??= (await makeTar(busyboxEntries(readFileSync(BUSYBOX_PATH)))).tar;
  const sb = boxes.fresh();
  const work = mkdtempSync(join(tmpdir(), 'berth-kube-'));
  writeFileSync(join(work, 'rootfs.tar'), rootfs);
  await ok(sb, ['import', '-c', 'CMD ["sh"]', join(work, 'rootfs.tar'), IMG]);
  return { sb, work };
}

async function teardown(sb: Sandbox, work: string): Promise<void> {
  for (const id of (await sb.run(['pod', 'ls', '-q'])).stdout.trim().split('\n').filter(Boolean)) await sb.run(['pod', 'rm', '-f', id]);
  const ids = (await sb.run(['ps', '-aq', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await sb.run(['rm', '-f', ...ids]);
  rmSync(work, { recursive: true, force: true });
}

after(() => boxes.cleanup());

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const serve = (text: string) => `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`;
const CLIENT = 'until wget -qO- http://127.0.0.1/index.html; do sleep 0.1; done; exec sleep 600';
const docsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec: Record<string, unknown> });
const fetchText = (port: number) => fetch(`http://127.0.0.1:${port}/index.html`).then((r) => r.text());

describe('kube', () => {
  test('a web server and a client on localhost: kube generate, play --replace with the same behaviour, --down leaves nothing running', async () => {
    const { sb, work } = await setup();
    try {
      const port = await freePort();
      await ok(sb, ['pod', 'create', '--name', 'web', '--label', 'tier=front', '-p', `127.0.0.1:${port}:80`]);
      await ok(sb, ['run', '-d', '--pod', 'web', '--name', 'server', '--stop-timeout', '1', '-e', 'GREETING=hello there', '-v', 'webdata:/data', '--memory', '64m', '--health-cmd', 'wget -qO- http://127.0.0.1/', '--health-interval', '5s', IMG, 'sh', '-c', serve('from-the-pod')]);
      await ok(sb, ['run', '-d', '--pod', 'web', '--name', 'client', '--stop-timeout', '1', IMG, 'sh', '-c', CLIENT]);
      assert.equal(await until('the client', async () => ((await ok(sb, ['logs', 'client'])) || undefined)), 'from-the-pod\n');

      const yaml = await ok(sb, ['kube', 'generate', 'web']);
      assert.match(yaml, /^# Save the output of this file and use kubectl create -f to import\n/);
      const docs = docsOf(yaml);
      assert.deepEqual(docs.map((d) => `${d.apiVersion} ${d.kind} ${d.metadata.name}`), ['v1 PersistentVolumeClaim webdata', 'v1 Pod web']);
      const pod = docs[1];
      assert.deepEqual(pod.metadata.labels, { app: 'web', tier: 'front' });
      const spec = pod.spec as { containers: Array<Record<string, unknown>>; volumes: unknown[]; restartPolicy: string; terminationGracePeriodSeconds: number };
      assert.deepEqual(spec.containers.map((c) => c.name), ['server', 'client']);
      const [server, client] = spec.containers;
      assert.equal(server.image, IMG);
      assert.deepEqual(server.command, ['sh', '-c', serve('from-the-pod')]);
      assert.deepEqual(server.env, [{ name: 'GREETING', value: 'hello there' }]);
      assert.deepEqual(server.ports, [{ containerPort: 80, hostPort: port, hostIP: '127.0.0.1', protocol: 'TCP' }]);
      assert.deepEqual(server.volumeMounts, [{ name: 'webdata-pvc', mountPath: '/data' }]);
      assert.deepEqual(server.resources, { limits: { memory: '64Mi' } });
      assert.deepEqual(server.livenessProbe, { exec: { command: ['/bin/sh', '-c', 'wget -qO- http://127.0.0.1/'] }, periodSeconds: 5 });
      assert.deepEqual(spec.volumes, [{ name: 'webdata-pvc', persistentVolumeClaim: { claimName: 'webdata' } }]);
      assert.deepEqual(client.command, ['sh', '-c', CLIENT]);
      assert.equal(client.ports, undefined);
      assert.equal(spec.restartPolicy, 'Never');
      assert.equal(spec.terminationGracePeriodSeconds, 1);
      // podman's older spelling writes the same, and -f refuses to replace a file.
      const file = join(work, 'web.yaml');
      await ok(sb, ['generate', 'kube', '-f', file, 'web']);
      assert.equal(readFileSync(file, 'utf8'), yaml);
      assert.match((await sb.run(['kube', 'generate', '-f', file, 'web'])).stderr, /exists/);
      assert.match((await sb.run(['kube', 'generate', 'server'])).stderr, /container server is in pod web: generate the pod itself/);

      // A pod of that name exists: play refuses, --replace takes its place.
      assert.match((await sb.run(['kube', 'play', file])).stderr, /a pod named web already exists/);
      const played = await ok(sb, ['kube', 'play', '--replace', file]);
      assert.match(played, /^Volume:\nwebdata\nPod:\n[0-9a-f]{64}\nContainers:\n[0-9a-f]{64}\n[0-9a-f]{64}\n/);
      assert.deepEqual((await ok(sb, ['ps', '--format', '{{.Names}} {{.PodName}}'])).trim().split('\n').sort().filter((l) => !l.includes('-infra')), ['web-client web', 'web-server web']);
      assert.equal(await until('the client again', async () => ((await ok(sb, ['logs', 'web-client'])) || undefined)), 'from-the-pod\n');
      assert.equal(await until('the published port', () => fetchText(port)), 'from-the-pod\n');
      assert.match(await ok(sb, ['exec', 'web-server', 'env']), /^GREETING=hello there$/m);
      assert.equal((await ok(sb, ['inspect', '-f', '{{.HostConfig.Memory}} {{(index .HostConfig.Mounts 0).Source}} {{.Config.StopTimeout}}', 'web-server'])).trim(), `${64 * 1024 * 1024} webdata 1`);
      assert.equal((await ok(sb, ['pod', 'inspect', '-f', '{{.State}} {{.NumContainers}} {{index .Labels "tier"}}', 'web'])).trim(), 'Running 3 front');
      // What play made generates the same YAML again.
      assert.equal(await ok(sb, ['kube', 'generate', 'web']), yaml);

      const down = await ok(sb, ['kube', 'play', '--down', file]);
      assert.match(down, /^Pods stopped:\n[0-9a-f]{64}\nPods removed:\n[0-9a-f]{64}\n$/);
      assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
      assert.equal((await ok(sb, ['pod', 'ls', '-q'])).trim(), '');
      assert.equal(await fetchText(port).then(() => 'open', () => 'closed'), 'closed');
      // Volumes stay, as with podman's kube down without --force.
      assert.match(await ok(sb, ['volume', 'ls', '-q']), /^webdata$/m);
      // --down again finds nothing to do.
      assert.equal(await ok(sb, ['kube', 'play', '--down', file]), '');
    } finally {
      await teardown(sb, work);
    }
  });

  test('ConfigMap and Secret as env and volumes, a PVC, a Job that runs to completion; --start=false; --down keeps the volumes', async () => {
    const { sb, work } = await setup();
    try {
      const file = join(work, 'job.yaml');
      writeFileSync(file, `
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  MODE: fast
  app.conf: |
    listen=80
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
type: Opaque
data:
  PASSWORD: czNjcmV0
stringData:
  USER: admin
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: store
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: batch/v1
kind: Job
metadata:
  name: once
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: worker
        image: ${IMG}
        command: [sh, -c]
        args:
        - echo "mode=$MODE user=$S_USER password=$S_PASSWORD pod=$POD"; cat /etc/app/app.conf; cat /secrets/PASSWORD; echo; stat -c %a /secrets/USER; echo kept > /data/out; echo tmp > /scratch/f && cat /scratch/f
        env:
        - name: MODE
          valueFrom:
            configMapKeyRef: {name: settings, key: MODE}
        - name: POD
          valueFrom:
            fieldRef: {fieldPath: metadata.name}
        envFrom:
        - prefix: S_
          secretRef: {name: creds}
        volumeMounts:
        - {name: conf, mountPath: /etc/app}
        - {name: sec, mountPath: /secrets}
        - {name: data, mountPath: /data}
        - {name: scratch, mountPath: /scratch}
      volumes:
      - name: conf
        configMap:
          name: settings
          items: [{key: app.conf, path: app.conf}]
      - name: sec
        secret: {secretName: creds, defaultMode: 0400}
      - name: data
        persistentVolumeClaim: {claimName: store}
      - name: scratch
        emptyDir: {}
`);
      // --start=false creates the pod and leaves it alone.
      await ok(sb, ['kube', 'play', '--start=false', file]);
      assert.equal((await ok(sb, ['pod', 'ls', '--format', '{{.Name}} {{.Status}} {{.NumberOfContainers}}'])).trim(), 'once-pod Created 2');
      await ok(sb, ['kube', 'play', '--down', file]);
      assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');

      await ok(sb, ['kube', 'play', file]);
      assert.equal((await ok(sb, ['wait', 'once-pod-worker'])).trim(), '0');
      assert.equal(await ok(sb, ['logs', 'once-pod-worker']), 'mode=fast user=admin password=s3cret pod=once-pod\nlisten=80\ns3cret\n400\ntmp\n');
      assert.equal((await ok(sb, ['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}}', 'once-pod-worker'])).trim(), 'no');
      const scratch = (await ok(sb, ['inspect', '-f', '{{range .HostConfig.Mounts}}{{if eq .Target "/scratch"}}{{.Source}}{{end}}{{end}}', 'once-pod-worker'])).trim();
      assert.match(scratch, /^[0-9a-f]{64}$/);

      await ok(sb, ['kube', 'play', '--down', file]);
      assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');
      assert.equal((await ok(sb, ['pod', 'ls', '-q'])).trim(), '');
      // The PVC, ConfigMap and Secret volumes stay; the pod's emptyDir went with it.
      const vols = (await ok(sb, ['volume', 'ls', '-q'])).trim().split('\n').sort();
      assert.deepEqual(vols, ['creds', 'settings', 'store']);
      assert.equal(await ok(sb, ['run', '--rm', '--network', 'none', '-v', 'store:/d', IMG, 'cat', '/d/out']), 'kept\n');
      for (const v of vols) await ok(sb, ['volume', 'rm', v]);
    } finally {
      await teardown(sb, work);
    }
  });

  test('a Deployment runs a pod per replica; a missing ConfigMap or unknown kind is refused with nothing made', async () => {
    const { sb, work } = await setup();
    try {
      const file = join(work, 'dep.yaml');
      writeFileSync(file, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: ${IMG}
        command: [sh, -c, 'hostname; exec sleep 600']
        securityContext: {runAsUser: 1000, runAsGroup: 1001, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
        resources: {limits: {cpu: 500m}}
`);
      await ok(sb, ['kube', 'play', file]);
      assert.deepEqual((await ok(sb, ['pod', 'ls', '--format', '{{.Name}} {{.Status}}'])).trim().split('\n').sort(), ['api-pod-0 Running', 'api-pod-1 Running']);
      assert.equal((await ok(sb, ['exec', 'api-pod-1-main', 'id', '-u'])).trim(), '1000');
      assert.equal((await ok(sb, ['exec', 'api-pod-1-main', 'id', '-g'])).trim(), '1001');
      assert.equal(await until('hostname', async () => ((await ok(sb, ['logs', 'api-pod-0-main'])) || undefined)), 'api-pod-0\n');
      assert.notEqual((await sb.run(['exec', 'api-pod-0-main', 'touch', '/x'])).code, 0);
      assert.equal((await ok(sb, ['inspect', '-f', '{{.HostConfig.NanoCpus}} {{json .HostConfig.CapDrop}} {{.HostConfig.ReadonlyRootfs}}', 'api-pod-0-main'])).trim(), '500000000 ["ALL"] true');
      // Generated as a Deployment again, it names the pod's Deployment after the pod.
      const dep = docsOf(await ok(sb, ['kube', 'generate', '--type', 'deployment', 'api-pod-0']));
      assert.deepEqual(dep.map((d) => `${d.apiVersion} ${d.kind} ${d.metadata.name}`), ['apps/v1 Deployment api-pod-0-deployment']);
      await ok(sb, ['kube', 'play', '--down', file]);
      assert.equal((await ok(sb, ['ps', '-aq'])).trim(), '');

      const bad = join(work, 'bad.yaml');
      writeFileSync(bad, `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: ${IMG}, envFrom: [{configMapRef: {name: gone}}]}]\n`);
      const r = await sb.run(['kube', 'play', bad]);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /ConfigMap "gone" is not in the YAML/);
      const kind = await sb.run(['kube', 'play', '-'], { input: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n' });
      assert.match(kind.stderr, /kind Namespace is not supported/);
      assert.equal((await ok(sb, ['pod', 'ls', '-q'])).trim(), '');
    } finally {
      await teardown(sb, work);
    }
  });
});
