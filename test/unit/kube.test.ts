// Pure parts of Kubernetes YAML: containers and pods to manifests (kube generate), manifests to
// a plan of pods, containers and volumes (kube play), and the round trip between them. kubectl
// cannot validate without an API server here, so the manifests are checked against the
// Kubernetes API conventions by hand (checkShape below: known fields only, required fields,
// names that are DNS labels or subdomains).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerRecord, CtrConfig, HostConfig } from '../../src/containers/model.js';
import type { ContainerConfig } from '../../src/images/manifest.js';
import { cpuQuantity, dnsLabel, generateKube, healthToProbe, memoryQuantity, toYaml, type GenPod, type GenerateOptions } from '../../src/kube/generate.js';
import { parseKube, parseQuantity, planPlay, probeToHealth } from '../../src/kube/play.js';
import type { Container, Deployment, KubeDocument, PersistentVolumeClaim, Pod, Service } from '../../src/kube/types.js';

// ---------------------------------------------------------------- Kubernetes API conventions

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const FIELDS: Record<string, string[]> = {
  meta: ['name', 'namespace', 'labels', 'annotations'],
  podSpec: ['containers', 'initContainers', 'volumes', 'restartPolicy', 'hostname', 'hostNetwork', 'securityContext', 'terminationGracePeriodSeconds'],
  container: ['name', 'image', 'command', 'args', 'workingDir', 'env', 'envFrom', 'ports', 'volumeMounts', 'resources', 'livenessProbe', 'readinessProbe', 'startupProbe', 'securityContext', 'imagePullPolicy', 'stdin', 'tty'],
  port: ['name', 'containerPort', 'hostPort', 'hostIP', 'protocol'],
  volumeMount: ['name', 'mountPath', 'readOnly', 'subPath'],
  volume: ['name', 'hostPath', 'emptyDir', 'persistentVolumeClaim', 'configMap', 'secret'],
  probe: ['exec', 'httpGet', 'tcpSocket', 'initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold', 'successThreshold'],
  securityContext: ['privileged', 'capabilities', 'runAsUser', 'runAsGroup', 'runAsNonRoot', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation'],
  servicePort: ['name', 'protocol', 'port', 'targetPort', 'nodePort'],
};

function only(o: object, kind: keyof typeof FIELDS, where: string): void {
  for (const k of Object.keys(o)) assert.ok(FIELDS[kind].includes(k), `${where}: unknown field ${k}`);
}

function checkMeta(m: KubeDocument['metadata'], where: string): void {
  only(m, 'meta', `${where}.metadata`);
  assert.ok(m.name && m.name.length <= 253 && DNS_SUBDOMAIN.test(m.name), `${where}: metadata.name ${m.name} is not a DNS subdomain`);
  for (const [k, v] of Object.entries(m.labels ?? {})) {
    assert.match(k, /^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, `${where}: label key ${k}`);
    assert.ok(typeof v === 'string' && v.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v), `${where}: label value ${v}`);
  }
  for (const v of Object.values(m.annotations ?? {})) assert.equal(typeof v, 'string');
}

function checkPodSpec(spec: Pod['spec'], where: string): void {
  only(spec, 'podSpec', where);
  assert.ok(Array.isArray(spec.containers) && spec.containers.length > 0, `${where}: containers required`);
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
  assert.equal(volumes.size, (spec.volumes ?? []).length, `${where}: volume names unique`);
  for (const v of spec.volumes ?? []) {
    only(v, 'volume', `${where}.volumes`);
    assert.ok(v.name.length <= 63 && DNS_LABEL.test(v.name), `${where}: volume name ${v.name}`);
    assert.equal(Object.keys(v).length, 2, `${where}: volume ${v.name} has exactly one source`);
  }
  if (spec.restartPolicy) assert.ok(['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy));
  const names = new Set<string>();
  for (const c of spec.containers) {
    const w = `${where}.containers[${c.name}]`;
    only(c, 'container', w);
    assert.ok(DNS_LABEL.test(c.name) && c.name.length <= 63, `${w}: name`);
    assert.ok(!names.has(c.name), `${w}: duplicate name`);
    names.add(c.name);
    assert.equal(typeof c.image, 'string');
    for (const list of [c.command, c.args]) if (list) assert.ok(list.every((s) => typeof s === 'string'));
    for (const e of c.env ?? []) assert.ok(typeof e.name === 'string' && typeof e.value === 'string', `${w}: env`);
    for (const p of c.ports ?? []) {
      only(p, 'port', w);
      assert.ok(Number.isInteger(p.containerPort) && p.containerPort > 0 && p.containerPort < 65536);
      if (p.hostPort !== undefined) assert.ok(Number.isInteger(p.hostPort) && p.hostPort > 0 && p.hostPort < 65536);
      if (p.protocol) assert.ok(['TCP', 'UDP', 'SCTP'].includes(p.protocol));
    }
    for (const m of c.volumeMounts ?? []) {
      only(m, 'volumeMount', w);
      assert.ok(volumes.has(m.name), `${w}: mount of undefined volume ${m.name}`);
      assert.ok(m.mountPath.startsWith('/'));
    }
    for (const q of Object.values(c.resources?.limits ?? {})) assert.match(String(q), /^\d+(\.\d+)?(m|Ki|Mi|Gi)?$/);
    if (c.livenessProbe) {
      only(c.livenessProbe, 'probe', w);
      assert.ok(c.livenessProbe.exec?.command.length);
    }
    if (c.securityContext) only(c.securityContext, 'securityContext', w);
  }
}

function checkShape(d: KubeDocument): void {
  const expected: Record<string, string> = { Pod: 'v1', Service: 'v1', PersistentVolumeClaim: 'v1', Deployment: 'apps/v1', Job: 'batch/v1' };
  assert.equal(d.apiVersion, expected[d.kind], `${d.kind}: apiVersion`);
  checkMeta(d.metadata, d.kind);
  if (d.kind === 'Pod') checkPodSpec(d.spec, 'Pod');
  if (d.kind === 'Deployment') {
    const sel = d.spec.selector.matchLabels;
    for (const [k, v] of Object.entries(sel)) assert.equal(d.spec.template.metadata?.labels?.[k], v, 'Deployment: the selector matches the template');
    assert.ok(!d.spec.template.spec.restartPolicy || d.spec.template.spec.restartPolicy === 'Always');
    checkPodSpec(d.spec.template.spec, 'Deployment.template');
  }
  if (d.kind === 'PersistentVolumeClaim') {
    assert.ok(d.spec.accessModes.length);
    assert.ok(d.spec.resources.requests.storage);
  }
  if (d.kind === 'Service') {
    assert.ok(['ClusterIP', 'NodePort'].includes(d.spec.type));
    assert.ok(d.spec.ports?.length || d.spec.clusterIP === 'None', 'Service: ports, unless headless');
    for (const p of d.spec.ports ?? []) {
      only(p, 'servicePort', 'Service');
      assert.ok(p.name && DNS_LABEL.test(p.name));
      if (p.nodePort !== undefined) assert.ok(p.nodePort >= 30000 && p.nodePort <= 32767);
    }
  }
}

// ---------------------------------------------------------------- fixtures

const IMAGE: ContainerConfig = { Env: ['PATH=/usr/bin:/bin', 'LANG=C'], Cmd: ['sh'], WorkingDir: '', Labels: { vendor: 'x' }, Volumes: { '/cache': {} } };

function record(name: string, config: Partial<CtrConfig>, hostConfig: Partial<HostConfig> = {}): ContainerRecord {
  const id = `${name.padEnd(12, '0').replace(/[^0-9a-f]/g, 'a')}${'0'.repeat(52)}`;
  return {
    id,
    name,
    imageId: 'sha256:1',
    image: 'test/box:1',
    created: '2026-01-01T00:00:00Z',
    config: { Hostname: id.slice(0, 12), Domainname: '', AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false, StdinOnce: false, Image: 'test/box:1', Env: IMAGE.Env, Cmd: IMAGE.Cmd, Entrypoint: null, Labels: IMAGE.Labels, WorkingDir: '', User: '', ...config },
    hostConfig: { AutoRemove: false, Privileged: false, ReadonlyRootfs: false, NetworkMode: 'bridge', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, Runtime: 'runc', CapAdd: null, CapDrop: null, SecurityOpt: null, Init: false, Memory: 0, MemorySwap: 0, NanoCpus: 0, CpuShares: 0, CpusetCpus: '', PidsLimit: null, ShmSize: 0, Ulimits: null, Tmpfs: null, Binds: null, Mounts: [], ExtraHosts: null, LogConfig: { Type: 'k8s-file', Config: {} }, Devices: null, DeviceRequests: null, PortBindings: {}, PublishAllPorts: false, Dns: [], DnsSearch: [], DnsOptions: [], UsernsMode: '', ...hostConfig },
    state: { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 1, ExitCode: 0, Error: '', StartedAt: '', FinishedAt: '' },
    runtime: 'runc',
    restartCount: 0,
  };
}

const opts = (o: Partial<GenerateOptions> = {}): GenerateOptions => ({
  type: 'pod',
  service: false,
  hostPathType: (p) => (p.endsWith('.conf') ? 'File' : p === '/missing' ? 'DirectoryOrCreate' : 'Directory'),
  volume: (n): { anonymous: boolean; labels: Record<string, string> } => (n.startsWith('anon') ? { anonymous: true, labels: {} } : { anonymous: false, labels: { team: 'a' } }),
  nodePort: () => 30080,
  ...o,
});

function webPod(): GenPod {
  const server = record('web-server', {
    Cmd: ['sh', '-c', 'exec httpd -f -p 80'],
    Env: [...IMAGE.Env!, 'GREETING=hi there', 'EMPTY='],
    WorkingDir: '/www',
    User: '1000:1000',
    Labels: { ...IMAGE.Labels, tier: 'front' },
    Healthcheck: { Test: ['CMD-SHELL', 'wget -qO- http://127.0.0.1/'], Interval: 5e9, Retries: 2 },
    StopTimeout: 2,
  }, {
    Memory: 64 * 1024 * 1024,
    NanoCpus: 5e8,
    CapAdd: ['CAP_NET_ADMIN'],
    CapDrop: ['MKNOD'],
    ReadonlyRootfs: true,
    Mounts: [
      { Type: 'volume', Source: 'site_data', Target: '/www', ReadOnly: false },
      { Type: 'bind', Source: '/etc/app/web.conf', Target: '/etc/web.conf', ReadOnly: true },
      { Type: 'volume', Source: 'anon0123456789abcdef', Target: '/cache', ReadOnly: false },
      { Type: 'volume', Source: 'anonfedcba9876543210', Target: '/scratch', ReadOnly: false },
    ],
    Tmpfs: { '/run': 'size=1m' },
  });
  const client = record('client', { Entrypoint: ['/bin/client'], Cmd: ['--once'] });
  return {
    name: 'web',
    pod: { hostname: 'web', labels: { env: 'test', 'bad label': 'x' }, networkMode: 'bridge' },
    ports: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostIp: '', HostPort: '' }] },
    boundPorts: [{ host_ip: '', container_port: 53, host_port: 40053, protocol: 'udp' }],
    containers: [{ record: server, image: IMAGE }, { record: client, image: IMAGE }],
  };
}

// ---------------------------------------------------------------- generate

test('generate: a pod becomes a Pod and a PVC, each field as podman writes it', () => {
  const docs = generateKube([webPod()], opts());
  assert.deepEqual(docs.map((d) => d.kind), ['PersistentVolumeClaim', 'Pod']);
  for (const d of docs) checkShape(d);
  const pvc = docs[0] as PersistentVolumeClaim;
  assert.equal(pvc.metadata.name, 'site-data');
  assert.deepEqual(pvc.metadata.labels, { team: 'a' });
  assert.deepEqual(pvc.spec, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
  const pod = docs[1] as Pod;
  assert.equal(pod.metadata.name, 'web');
  assert.deepEqual(pod.metadata.labels, { app: 'web', env: 'test' });
  assert.deepEqual(JSON.parse(pod.metadata.annotations!['io.berth.labels/server']), { tier: 'front' });
  assert.equal(pod.spec.restartPolicy, 'Never');
  assert.equal(pod.spec.terminationGracePeriodSeconds, 2);
  assert.equal(pod.spec.hostname, undefined);
  const [server, client] = pod.spec.containers;
  // A member named <pod>-<name> (what kube play makes) is <name> in the YAML.
  assert.equal(server.name, 'server');
  assert.deepEqual(server.command, ['sh', '-c', 'exec httpd -f -p 80']);
  assert.equal(server.args, undefined);
  assert.equal(server.workingDir, '/www');
  assert.deepEqual(server.env, [{ name: 'GREETING', value: 'hi there' }, { name: 'EMPTY', value: '' }]);
  assert.deepEqual(server.ports, [{ containerPort: 80, hostPort: 8080, hostIP: '127.0.0.1', protocol: 'TCP' }, { containerPort: 53, hostPort: 40053, protocol: 'UDP' }]);
  assert.deepEqual(server.resources, { limits: { memory: '64Mi', cpu: '500m' } });
  assert.deepEqual(server.livenessProbe, { exec: { command: ['/bin/sh', '-c', 'wget -qO- http://127.0.0.1/'] }, periodSeconds: 5, failureThreshold: 2 });
  assert.deepEqual(server.securityContext, { capabilities: { add: ['NET_ADMIN'], drop: ['MKNOD'] }, runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true });
  assert.deepEqual(server.volumeMounts, [
    { name: 'site-data-pvc', mountPath: '/www' },
    { name: 'etc-app-web-conf-host-0', mountPath: '/etc/web.conf', readOnly: true },
    { name: 'anon-anonfedcba98', mountPath: '/scratch' },
    { name: 'run-tmpfs', mountPath: '/run' },
  ]);
  assert.deepEqual(pod.spec.volumes, [
    { name: 'site-data-pvc', persistentVolumeClaim: { claimName: 'site-data' } },
    { name: 'etc-app-web-conf-host-0', hostPath: { path: '/etc/app/web.conf', type: 'File' } },
    { name: 'anon-anonfedcba98', emptyDir: {} },
    { name: 'run-tmpfs', emptyDir: { medium: 'Memory' } },
  ]);
  // An entrypoint of the container's own is the command, its cmd the args; ports are the pod's (on the first container).
  assert.deepEqual(client, { name: 'client', image: 'test/box:1', command: ['/bin/client'], args: ['--once'] });
});

test("generate: command and args are split as podman does; the image's own command is left out", () => {
  const img: ContainerConfig = { Entrypoint: ['/entry'], Cmd: ['serve'] };
  const gen = (config: Partial<CtrConfig>, image = img) => (generateKube([{ name: 'c-pod', ports: {}, containers: [{ record: record('c', config), image }] }], opts())[0] as Pod).spec.containers[0];
  const same = gen({ Entrypoint: ['/entry'], Cmd: ['serve'] });
  assert.equal(same.command, undefined);
  assert.deepEqual(same.args, ['serve']);
  const args = gen({ Entrypoint: ['/entry'], Cmd: ['other', 'x'] });
  assert.equal(args.command, undefined);
  assert.deepEqual(args.args, ['other', 'x']);
  const ep = gen({ Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo hi'] });
  assert.deepEqual([ep.command, ep.args], [['/bin/sh', '-c'], ['echo hi']]);
  const noEp = gen({ Entrypoint: null, Cmd: ['sh'] }, { Cmd: ['sh'] });
  assert.equal(noEp.command, undefined);
  const cmd = gen({ Entrypoint: null, Cmd: ['sleep', '9'] }, { Cmd: ['sh'] });
  assert.deepEqual([cmd.command, cmd.args], [['sleep', '9'], undefined]);
});

test('generate: loose containers make one Pod named after the first, each with its own ports; hostname and host network', () => {
  const a = record('a_one', { Hostname: 'myhost' }, { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8081' }] }, NetworkMode: 'host', RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } });
  const b = record('b', {}, { PortBindings: { '90/tcp': [{ HostIp: '', HostPort: '' }] } });
  b.state.Ports = [{ host_ip: '', container_port: 90, host_port: 41000, protocol: 'tcp' }];
  const [pod] = generateKube([{ name: 'a_one-pod', ports: {}, containers: [{ record: a, image: IMAGE }, { record: b, image: IMAGE }] }], opts()) as Pod[];
  checkShape(pod);
  assert.equal(pod.metadata.name, 'aone-pod');
  assert.deepEqual(pod.spec.containers.map((c) => [c.name, c.ports]), [['aone', [{ containerPort: 80, hostPort: 8081, protocol: 'TCP' }]], ['b', [{ containerPort: 90, hostPort: 41000, protocol: 'TCP' }]]]);
  assert.equal(pod.spec.hostname, 'myhost');
  assert.equal(pod.spec.hostNetwork, true);
  assert.equal(pod.spec.restartPolicy, 'Always');
});

test('generate --service: a NodePort Service and no hostPorts; without published ports a headless ClusterIP', () => {
  const docs = generateKube([webPod()], opts({ service: true }));
  assert.deepEqual(docs.map((d) => d.kind), ['PersistentVolumeClaim', 'Service', 'Pod']);
  for (const d of docs) checkShape(d);
  const svc = docs[1] as Service;
  assert.equal(svc.spec.type, 'NodePort');
  assert.deepEqual(svc.spec.selector, { app: 'web' });
  assert.deepEqual(svc.spec.ports?.map((p) => [p.name, p.protocol, p.port, p.targetPort]), [['80-tcp', 'TCP', 80, 80], ['53-udp', 'UDP', 53, 53]]);
  assert.ok(svc.spec.ports!.every((p) => p.nodePort! >= 30000));
  assert.ok((docs[2] as Pod).spec.containers[0].ports!.every((p) => p.hostPort === undefined && p.hostIP === undefined));
  const bare = generateKube([{ name: 'x-pod', ports: {}, containers: [{ record: record('x', {}), image: IMAGE }] }], opts({ service: true }));
  const headless = bare.find((d) => d.kind === 'Service') as Service;
  checkShape(headless);
  assert.deepEqual(headless.spec, { type: 'ClusterIP', clusterIP: 'None', selector: { app: 'x-pod' } });
});

test('generate --type deployment: <pod>-deployment selecting app=<pod>, replicas, no restartPolicy', () => {
  const docs = generateKube([webPod()], opts({ type: 'deployment', replicas: 3 }));
  const dep = docs.find((d) => d.kind === 'Deployment') as Deployment;
  checkShape(dep);
  assert.equal(dep.metadata.name, 'web-deployment');
  assert.equal(dep.spec.replicas, 3);
  assert.deepEqual(dep.spec.selector.matchLabels, { app: 'web' });
  assert.equal(dep.spec.template.spec.restartPolicy, undefined);
});

test('generate: the YAML is multi-document, parses back, and quantities read as Kubernetes writes them', () => {
  const text = toYaml(generateKube([webPod()], opts({ service: true })), '9.9');
  assert.match(text, /^# Save the output of this file and use kubectl create -f to import\n# it into Kubernetes\.\n#\n# Created with berth-9\.9\n/);
  assert.equal(text.split('\n---\n').length, 3);
  assert.deepEqual(parseKube(text).map((d) => d.kind), ['PersistentVolumeClaim', 'Service', 'Pod']);
  assert.equal(memoryQuantity(64 * 2 ** 20), '64Mi');
  assert.equal(memoryQuantity(1000), '1000');
  assert.equal(memoryQuantity(3 * 2 ** 30), '3Gi');
  assert.equal(cpuQuantity(1.5e9), '1500m');
  assert.equal(cpuQuantity(2e9), '2');
  assert.equal(dnsLabel('My_Volume.name'), 'my-volume-name');
  assert.equal(dnsLabel('x'.repeat(80)).length, 63);
  assert.equal(healthToProbe({ Test: ['NONE'] }), undefined);
  assert.deepEqual(healthToProbe({ Test: ['CMD', 'true'], Timeout: 3e9, StartPeriod: 1e9 }), { exec: { command: ['true'] }, initialDelaySeconds: 1, timeoutSeconds: 3 });
});

// ---------------------------------------------------------------- play

const MANIFEST = `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {MODE: fast, app.conf: "listen=80\\n"}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
data: {PASSWORD: czNjcmV0}
stringData: {USER: admin}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: store, labels: {team: a}}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata:
      labels: {app: api}
      annotations: {io.berth.labels/main: '{"tier":"back"}'}
    spec:
      securityContext: {runAsUser: 1000}
      terminationGracePeriodSeconds: 3
      containers:
      - name: main
        image: test/box:1
        command: [/bin/api]
        args: [--port, "8080"]
        workingDir: /srv
        ports: [{containerPort: 8080, hostPort: 18080, hostIP: 127.0.0.1}, {containerPort: 53, protocol: UDP}]
        env:
        - {name: A, value: one}
        - {name: B, value: "$(A)-two $$(A)"}
        - {name: MODE, valueFrom: {configMapKeyRef: {name: settings, key: MODE}}}
        - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        - {name: OPT, valueFrom: {secretKeyRef: {name: nosuch, key: x, optional: true}}}
        envFrom:
        - {prefix: S_, secretRef: {name: creds}}
        resources: {limits: {memory: 128Mi, cpu: 250m}, requests: {memory: 64Mi}}
        livenessProbe: {exec: {command: [/bin/sh, -c, "test -f /ok"]}, periodSeconds: 7, failureThreshold: 4}
        securityContext: {privileged: true, runAsGroup: 50, readOnlyRootFilesystem: true, capabilities: {add: [NET_ADMIN], drop: [ALL]}}
        volumeMounts:
        - {name: conf, mountPath: /etc/api}
        - {name: sec, mountPath: /secrets}
        - {name: data, mountPath: /data}
        - {name: host, mountPath: /host, readOnly: true}
        - {name: scratch, mountPath: /scratch}
        - {name: mem, mountPath: /mem}
        - {name: named, mountPath: /named}
      volumes:
      - {name: conf, configMap: {name: settings, items: [{key: app.conf, path: conf/app.conf}]}}
      - {name: sec, secret: {secretName: creds, defaultMode: 0400}}
      - {name: data, persistentVolumeClaim: {claimName: store}}
      - {name: host, hostPath: {path: /srv/host, type: DirectoryOrCreate}}
      - {name: scratch, emptyDir: {}}
      - {name: mem, emptyDir: {medium: Memory, sizeLimit: 1Mi}}
      - {name: named, hostPath: {path: justaname}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: OnFailure
      containers: [{name: work, image: test/box:1, args: [echo, done], livenessProbe: {httpGet: {path: /h, port: http}}, ports: [{name: http, containerPort: 81}]}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template: {metadata: {labels: {app: agent}}, spec: {hostNetwork: true, containers: [{name: a, image: test/box:1, tty: true, stdin: true, imagePullPolicy: Never}]}}
`;

test("play: workloads become pods named as podman names them, containers <pod>-<container>", () => {
  const plan = planPlay(parseKube(MANIFEST));
  assert.deepEqual(plan.pods.map((p) => [p.name, p.kind]), [['api-pod-0', 'Deployment'], ['api-pod-1', 'Deployment'], ['once-pod', 'Job'], ['agent-pod', 'DaemonSet']]);
  assert.deepEqual(plan.pods[0].containers.map((c) => c.name), ['api-pod-0-main']);
  // Only the first replica publishes host ports.
  assert.deepEqual(plan.pods[0].ports, { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }] });
  assert.deepEqual(plan.pods[1].ports, {});
  assert.match(plan.warnings.join('\n'), /api-pod-1: host ports are published by the first replica only/);
  assert.equal(plan.pods[3].network, 'host');
  assert.equal(plan.pods[0].hostname, 'api-pod-0');
  assert.deepEqual(plan.pods[0].labels, { app: 'api' });
  const one = planPlay(parseKube(MANIFEST.replace('replicas: 2', 'replicas: 1')));
  assert.equal(one.pods[0].name, 'api-pod');
});

test('play: env, command/args, resources, probes, securityContext and restart policies map back', () => {
  const plan = planPlay(parseKube(MANIFEST));
  const main = plan.pods[0].containers[0];
  assert.equal(main.image, 'test/box:1');
  assert.equal(main.pull, 'missing');
  assert.deepEqual(main.config.Entrypoint, ['/bin/api']);
  assert.deepEqual(main.config.Cmd, ['--port', '8080']);
  assert.equal(main.config.WorkingDir, '/srv');
  assert.deepEqual(main.config.Env, ['S_PASSWORD=s3cret', 'S_USER=admin', 'A=one', 'B=one-two $(A)', 'MODE=fast', 'POD=api-pod-0']);
  assert.deepEqual(main.config.ExposedPorts, { '8080/tcp': {}, '53/udp': {} });
  assert.deepEqual(main.config.Healthcheck, { Test: ['CMD-SHELL', 'test -f /ok'], Interval: 7e9, Retries: 4 });
  assert.equal(main.config.User, '1000:50');
  assert.equal(main.config.StopTimeout, 3);
  assert.deepEqual(main.config.Labels, { tier: 'back' });
  assert.deepEqual(main.hostConfig, { RestartPolicy: { Name: 'always', MaximumRetryCount: 0 }, Privileged: true, ReadonlyRootfs: true, CapAdd: ['NET_ADMIN'], CapDrop: ['ALL'], Memory: 128 * 2 ** 20, NanoCpus: 2.5e8 });
  const work = plan.pods[2].containers[0];
  assert.equal(work.config.Entrypoint, undefined);
  assert.deepEqual(work.config.Cmd, ['echo', 'done']);
  assert.deepEqual(work.hostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
  assert.deepEqual(work.config.Healthcheck, { Test: ['CMD-SHELL', 'curl -f http://localhost:81/h || exit 1'] });
  const agent = plan.pods[3].containers[0];
  assert.equal(agent.pull, 'never');
  assert.equal(agent.config.Tty, true);
  assert.equal(agent.config.OpenStdin, true);
  assert.deepEqual(agent.hostConfig.RestartPolicy, { Name: 'always', MaximumRetryCount: 0 });
});

test('play: volumes: PVC, ConfigMap and Secret volumes with their files, hostPath, emptyDir, tmpfs', () => {
  const plan = planPlay(parseKube(MANIFEST));
  assert.deepEqual(plan.volumes.map((v) => v.name), ['store', 'settings', 'creds']);
  assert.deepEqual(plan.volumes[0].labels, { team: 'a' });
  const conf = plan.volumes[1].files!;
  assert.deepEqual(conf.map((f) => [f.path, f.data.toString(), f.mode]), [['conf/app.conf', 'listen=80\n', 0o644]]);
  // YAML 1.1, as Kubernetes reads it: 0400 is octal.
  assert.deepEqual(plan.volumes[2].files!.map((f) => [f.path, f.data.toString(), f.mode]), [['PASSWORD', 's3cret', 0o400], ['USER', 'admin', 0o400]]);
  const mounts = plan.pods[0].containers[0].mounts;
  assert.deepEqual(mounts, [
    { mount: { Type: 'volume', Source: 'settings', Target: '/etc/api', ReadOnly: true } },
    { mount: { Type: 'volume', Source: 'creds', Target: '/secrets', ReadOnly: true } },
    { mount: { Type: 'volume', Source: 'store', Target: '/data', ReadOnly: false } },
    { mount: { Type: 'bind', Source: '/srv/host', Target: '/host', ReadOnly: true } },
    { mount: { Type: 'volume', Source: '', Target: '/scratch', ReadOnly: false }, emptyDir: 'scratch' },
    { mount: { Type: 'tmpfs', Source: '', Target: '/mem', ReadOnly: false, Options: ['size=1048576'] } },
    { mount: { Type: 'volume', Source: 'justaname', Target: '/named', ReadOnly: false } },
  ]);
  assert.deepEqual(plan.pods[0].hostPaths, [{ path: '/srv/host', type: 'DirectoryOrCreate' }]);
});

test('play: refuses what it cannot run, with the reason', () => {
  const bad = (text: string, re: RegExp) => assert.throws(() => planPlay(parseKube(text)), re);
  bad('apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n', /kind Namespace is not supported/);
  bad('apiVersion: v1\nkind: Deployment\nmetadata: {name: x}\n', /Deployment must have apiVersion apps\/v1/);
  bad('apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: {containers: []}\n', /has no metadata.name/);
  bad('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n', /has no containers/);
  bad('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i, envFrom: [{configMapRef: {name: gone}}]}]}\n', /ConfigMap "gone" is not in the YAML/);
  bad('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i, volumeMounts: [{name: v, mountPath: /v}]}]}\n', /mounts volume "v", which the pod does not define/);
  bad('apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {template: {spec: {restartPolicy: Always, containers: [{name: c, image: i}]}}}\n', /restartPolicy must be OnFailure or Never/);
  bad('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}, {name: c, image: i}]}\n', /two containers named c/);
  bad('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i, resources: {limits: {memory: lots}}}]}\n', /invalid quantity "lots"/);
  assert.equal(parseQuantity('1.5'), 1.5);
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity('2Gi'), 2 * 2 ** 30);
  assert.equal(parseQuantity('1k'), 1000);
  assert.deepEqual(probeToHealth({ tcpSocket: { port: 53 } }), { Test: ['CMD-SHELL', 'nc -z -v localhost 53 || exit 1'] });
});

// ---------------------------------------------------------------- round trip

test('round trip: generate -> play gives back the image, command, env, ports, volumes, limits, probe and security', () => {
  const pod = webPod();
  const text = toYaml(generateKube([pod], opts()), 'x');
  const plan = planPlay(parseKube(text));
  assert.equal(plan.pods.length, 1);
  const p = plan.pods[0];
  assert.equal(p.name, 'web');
  assert.deepEqual(p.ports, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostIp: '', HostPort: '40053' }] });
  const [server, client] = p.containers;
  const src = pod.containers[0].record;
  assert.equal(server.name, 'web-server');
  assert.equal(server.image, src.image);
  // Played onto the image, Entrypoint/Cmd resolve to what the original container ran.
  assert.deepEqual(server.config.Entrypoint, src.config.Cmd);
  assert.equal(server.config.Cmd, undefined);
  assert.deepEqual(server.config.Env, ['GREETING=hi there', 'EMPTY=']);
  assert.equal(server.config.WorkingDir, src.config.WorkingDir);
  assert.equal(server.config.User, src.config.User);
  assert.deepEqual(server.config.Healthcheck, src.config.Healthcheck);
  assert.deepEqual(server.config.Labels, { tier: 'front' });
  assert.equal(server.config.StopTimeout, 2);
  const hc = server.hostConfig;
  assert.deepEqual([hc.Memory, hc.NanoCpus, hc.CapAdd, hc.CapDrop, hc.ReadonlyRootfs, hc.RestartPolicy?.Name], [src.hostConfig.Memory, src.hostConfig.NanoCpus, ['NET_ADMIN'], ['MKNOD'], true, 'no']);
  assert.deepEqual(server.mounts.map((m) => [m.mount.Type, m.mount.Source, m.mount.Target, m.mount.ReadOnly, m.emptyDir]), [
    ['volume', 'site-data', '/www', false, undefined],
    ['bind', '/etc/app/web.conf', '/etc/web.conf', true, undefined],
    ['volume', '', '/scratch', false, 'anon-anonfedcba98'],
    ['tmpfs', '', '/run', false, undefined],
  ]);
  assert.deepEqual([client.name, client.config.Entrypoint, client.config.Cmd], ['web-client', ['/bin/client'], ['--once']]);
  // And generating from what play made gives the same YAML again (the <pod>- prefix comes off).
  const again: GenPod = { ...pod, containers: pod.containers.map((c) => ({ ...c, record: { ...c.record, name: `web-${c.record.name.replace(/^web-/, '')}` } })) };
  assert.equal(toYaml(generateKube([again], opts()), 'x'), text);
});

test('a Container type is what generate writes', () => {
  const c: Container = { name: 'n', image: 'i' };
  checkShape({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [c] } });
});
