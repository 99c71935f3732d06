// `berth kube play`: Kubernetes YAML as berth pods, containers and volumes, following podman's
// `kube play`. Pure mapping: parse the documents and turn them into a plan of pods, containers
// (docker's Config/HostConfig shapes) and volumes; src/engine/kube.ts carries the plan out.
//
// podman's rules kept here: a Pod is a pod named metadata.name; a Deployment, DaemonSet or Job
// is a pod named "<name>-pod" (berth runs every replica of a Deployment: "<name>-pod-<i>" when
// there is more than one, and only the first publishes host ports); containers are named
// "<pod>-<container>"; `command` replaces the image's entrypoint (and drops its cmd), `args`
// its cmd; hostPort is published on the pod; a livenessProbe is the health check (exec as CMD,
// httpGet and tcpSocket as curl/nc shell commands); hostPath with a slash is a bind mount, a
// hostPath without one and a persistentVolumeClaim are named volumes; emptyDir is a volume of
// the pod's own (tmpfs with medium Memory); ConfigMaps and Secrets are read for env, envFrom
// and volumes (a named volume, after the ConfigMap or Secret, holding one file per key).
import { parseAllDocuments } from 'yaml';
import type { CtrConfig, HostConfig, Mount } from '../containers/model.js';
import type { HealthConfig } from '../images/manifest.js';
import type { PortBindings } from '../network/ports.js';
import { invalid } from '../errors.js';
import { LABELS_ANNOTATION, type ConfigMap, type Container, type KubeDocument, type ObjectMeta, type PersistentVolumeClaim, type PodSpec, type Probe, type Secret, type Volume } from './types.js';

export type PullPolicy = 'missing' | 'always' | 'never';

export interface PlannedMount {
  mount: Mount;
  /** an emptyDir of the pod: the engine makes one volume per pod and name */
  emptyDir?: string;
  /** a subPath inside a named volume: the engine binds that path of the volume */
  subPath?: string;
}

export interface PlannedContainer {
  /** the name in the YAML */
  kubeName: string;
  /** the berth container name: <pod>-<container> */
  name: string;
  image: string;
  pull: PullPolicy;
  config: Partial<CtrConfig>;
  hostConfig: Partial<HostConfig>;
  mounts: PlannedMount[];
  /** runAsGroup without runAsUser: the image's user with this group */
  group?: number;
}

export interface PlannedPod {
  name: string;
  kind: 'Pod' | 'Deployment' | 'DaemonSet' | 'Job';
  labels: Record<string, string>;
  hostname: string;
  network: string;
  ports: PortBindings;
  initContainers: PlannedContainer[];
  containers: PlannedContainer[];
  hostPaths: Array<{ path: string; type: string }>;
}

export interface PlannedVolume {
  name: string;
  labels: Record<string, string>;
  /** ConfigMap and Secret volumes: the files, written anew at each play */
  files?: Array<{ path: string; data: Buffer; mode: number }>;
}

export interface Plan {
  pods: PlannedPod[];
  volumes: PlannedVolume[];
  warnings: string[];
}

const KINDS: Record<string, string[]> = {
  Pod: ['v1'],
  Deployment: ['apps/v1'],
  DaemonSet: ['apps/v1'],
  Job: ['batch/v1'],
  ConfigMap: ['v1'],
  Secret: ['v1'],
  PersistentVolumeClaim: ['v1'],
  Service: ['v1'],
};

/** The documents of a (multi-document) YAML text; empty documents are skipped, unknown kinds refused. */
export function parseKube(text: string): KubeDocument[] {
  const out: KubeDocument[] = [];
  for (const doc of parseAllDocuments(text, { version: '1.1' })) {
    if (doc.errors.length) throw invalid(`invalid Kubernetes YAML: ${doc.errors[0].message}`);
    const v = doc.toJS() as unknown;
    if (v === null || v === undefined) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw invalid('invalid Kubernetes YAML: a document is not a mapping');
    const d = v as { apiVersion?: unknown; kind?: unknown; metadata?: ObjectMeta };
    if (typeof d.kind !== 'string') throw invalid('invalid Kubernetes YAML: a document has no kind');
    if (d.kind === 'List') {
      for (const item of ((v as { items?: unknown[] }).items ?? [])) out.push(...parseKube(JSON.stringify(item)));
      continue;
    }
    if (!KINDS[d.kind]) throw invalid(`kind ${d.kind} is not supported (berth kube play reads ${Object.keys(KINDS).join(', ')})`);
    if (!KINDS[d.kind].includes(String(d.apiVersion))) throw invalid(`${d.kind} must have apiVersion ${KINDS[d.kind].join(' or ')}, not ${String(d.apiVersion)}`);
    if (!d.metadata?.name) throw invalid(`a ${d.kind} has no metadata.name`);
    out.push(v as KubeDocument);
  }
  return out;
}

/** The pods the workloads in these documents run as (podman's names). */
export function workloadPods(docs: KubeDocument[]): Array<{ name: string; kind: PlannedPod['kind']; template: { metadata?: ObjectMeta; spec: PodSpec }; first: boolean }> {
  const out: ReturnType<typeof workloadPods> = [];
  for (const d of docs) {
    const name = d.metadata.name!;
    if (d.kind === 'Pod') out.push({ name, kind: 'Pod', template: { metadata: d.metadata, spec: d.spec }, first: true });
    else if (d.kind === 'DaemonSet' || d.kind === 'Job') out.push({ name: `${name}-pod`, kind: d.kind, template: d.spec?.template, first: true });
    else if (d.kind === 'Deployment') {
      const n = d.spec?.replicas ?? 1;
      if (n === 1) out.push({ name: `${name}-pod`, kind: 'Deployment', template: d.spec?.template, first: true });
      for (let i = 0; n > 1 && i < n; i++) out.push({ name: `${name}-pod-${i}`, kind: 'Deployment', template: d.spec?.template, first: i === 0 });
    }
  }
  for (const w of out) if (!w.template?.spec?.containers?.length) throw invalid(`${w.kind} for pod ${w.name} has no containers`);
  return out;
}

const SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity ("64Mi", "1.5", "500m", "1e3") as a number. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) throw invalid(`invalid quantity "${q}"`);
  return Number(m[1]) * 10 ** Number(m[2] ?? 0) * SUFFIX[m[3] ?? ''];
}

/** A probe as a health check (podman's mapping); unset timings keep berth's defaults. */
export function probeToHealth(p: Probe, ports: Container['ports'] = []): HealthConfig | undefined {
  const port = (v: number | string) => {
    if (typeof v === 'number' || /^\d+$/.test(v)) return Number(v);
    const hit = ports.find((x) => x.name === v);
    if (!hit) throw invalid(`probe port "${v}" is not a named port of the container`);
    return hit.containerPort;
  };
  let test: string[];
  if (p.exec?.command?.length) {
    const c = p.exec.command;
    test = c.length === 3 && (c[0] === '/bin/sh' || c[0] === 'sh') && c[1] === '-c' ? ['CMD-SHELL', c[2]] : ['CMD', ...c];
  } else if (p.httpGet) {
    const g = p.httpGet;
    test = ['CMD-SHELL', `curl -f ${(g.scheme ?? 'HTTP').toLowerCase()}://${g.host || 'localhost'}:${port(g.port)}${g.path || '/'} || exit 1`];
  } else if (p.tcpSocket) {
    test = ['CMD-SHELL', `nc -z -v ${p.tcpSocket.host || 'localhost'} ${port(p.tcpSocket.port)} || exit 1`];
  } else return undefined;
  const h: HealthConfig = { Test: test };
  if (p.periodSeconds) h.Interval = p.periodSeconds * 1e9;
  if (p.timeoutSeconds) h.Timeout = p.timeoutSeconds * 1e9;
  if (p.initialDelaySeconds) h.StartPeriod = p.initialDelaySeconds * 1e9;
  if (p.failureThreshold) h.Retries = p.failureThreshold;
  return h;
}

export function restartFromKube(policy: string | undefined, fallback: 'Always' | 'Never', retries?: number): HostConfig['RestartPolicy'] {
  switch (policy ?? fallback) {
    case 'Always':
      return { Name: 'always', MaximumRetryCount: 0 };
    case 'OnFailure':
      return { Name: 'on-failure', MaximumRetryCount: retries ?? 0 };
    case 'Never':
      return { Name: 'no', MaximumRetryCount: 0 };
    default:
      throw invalid(`invalid restartPolicy "${policy}": use Always, OnFailure or Never`);
  }
}

/** Secret data: base64 `data` and plain `stringData` (which wins, as in Kubernetes). */
function secretData(s: Secret): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(String(v), 'base64');
  for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = Buffer.from(String(v));
  return out;
}

function configMapData(c: ConfigMap): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(c.data ?? {})) out[k] = Buffer.from(String(v));
  for (const [k, v] of Object.entries(c.binaryData ?? {})) out[k] = Buffer.from(String(v), 'base64');
  return out;
}

interface Sources {
  configMaps: Map<string, ConfigMap>;
  secrets: Map<string, Secret>;
}

function lookup(src: Sources, kind: 'ConfigMap' | 'Secret', name: string, optional: boolean | undefined): Record<string, Buffer> | undefined {
  const hit = kind === 'ConfigMap' ? src.configMaps.get(name) : src.secrets.get(name);
  if (hit) return kind === 'ConfigMap' ? configMapData(hit as ConfigMap) : secretData(hit as Secret);
  if (optional) return undefined;
  throw invalid(`${kind} "${name}" is not in the YAML (berth kube play reads ConfigMaps and Secrets from the same file)`);
}

function envOf(c: Container, src: Sources, pod: { name: string; labels: Record<string, string>; annotations: Record<string, string> }): string[] {
  const env = new Map<string, string>();
  for (const f of c.envFrom ?? []) {
    const data = f.configMapRef ? lookup(src, 'ConfigMap', f.configMapRef.name, f.configMapRef.optional) : f.secretRef ? lookup(src, 'Secret', f.secretRef.name, f.secretRef.optional) : undefined;
    for (const [k, v] of Object.entries(data ?? {})) env.set(`${f.prefix ?? ''}${k}`, v.toString('utf8'));
  }
  for (const e of c.env ?? []) {
    if (!e.valueFrom) {
      // $(VAR) refers to a variable defined before; $$ escapes, as in Kubernetes.
      env.set(e.name, String(e.value ?? '').replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, n: string | undefined) => (n === undefined ? '$' : env.get(n) ?? all)));
      continue;
    }
    const vf = e.valueFrom;
    let value: string | undefined;
    if (vf.configMapKeyRef || vf.secretKeyRef) {
      const ref = (vf.configMapKeyRef ?? vf.secretKeyRef)!;
      const kind = vf.configMapKeyRef ? 'ConfigMap' : 'Secret';
      const data = lookup(src, kind, ref.name, ref.optional);
      if (data && !(ref.key in data) && !ref.optional) throw invalid(`${kind} "${ref.name}" has no key "${ref.key}"`);
      value = data?.[ref.key]?.toString('utf8');
    } else if (vf.fieldRef) {
      const path = vf.fieldRef.fieldPath;
      const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
      if (path === 'metadata.name') value = pod.name;
      else if (path === 'metadata.namespace') value = 'default';
      else if (m) value = (m[1] === 'labels' ? pod.labels : pod.annotations)[m[2]] ?? '';
      else throw invalid(`env ${e.name}: fieldRef ${path} is not supported (metadata.name, metadata.namespace, metadata.labels['k'], metadata.annotations['k'])`);
    } else throw invalid(`env ${e.name}: valueFrom needs configMapKeyRef, secretKeyRef or fieldRef`);
    if (value !== undefined) env.set(e.name, value);
  }
  return [...env].map(([k, v]) => `${k}=${v}`);
}

function user(c: Container, spec: PodSpec): { user?: string; group?: number } {
  const u = c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
  const g = c.securityContext?.runAsGroup ?? spec.securityContext?.runAsGroup;
  if (u !== undefined) return { user: g !== undefined ? `${u}:${g}` : String(u) };
  return g !== undefined ? { group: g } : {};
}

function pullPolicy(c: Container): PullPolicy {
  if (c.imagePullPolicy === 'Always') return 'always';
  if (c.imagePullPolicy === 'Never') return 'never';
  return 'missing';
}

function mountsOf(c: Container, podName: string, vols: Map<string, Volume>, plan: Plan, src: Sources, hostPaths: PlannedPod['hostPaths']): PlannedMount[] {
  const out: PlannedMount[] = [];
  for (const vm of c.volumeMounts ?? []) {
    const v = vols.get(vm.name);
    if (!v) throw invalid(`container ${c.name} mounts volume "${vm.name}", which the pod does not define`);
    const ro = Boolean(vm.readOnly);
    const sub = vm.subPath ? { subPath: vm.subPath } : {};
    if (v.hostPath) {
      const p = v.hostPath.path;
      if (p.includes('/')) {
        if (!hostPaths.some((h) => h.path === p)) hostPaths.push({ path: p, type: v.hostPath.type ?? '' });
        out.push({ mount: { Type: 'bind', Source: vm.subPath ? `${p.replace(/\/+$/, '')}/${vm.subPath}` : p, Target: vm.mountPath, ReadOnly: ro } });
      } else out.push({ mount: { Type: 'volume', Source: p, Target: vm.mountPath, ReadOnly: ro }, ...sub });
    } else if (v.persistentVolumeClaim) {
      out.push({ mount: { Type: 'volume', Source: v.persistentVolumeClaim.claimName, Target: vm.mountPath, ReadOnly: ro || Boolean(v.persistentVolumeClaim.readOnly) }, ...sub });
    } else if (v.emptyDir) {
      if (v.emptyDir.medium === 'Memory') {
        const size = v.emptyDir.sizeLimit !== undefined ? [`size=${Math.round(parseQuantity(v.emptyDir.sizeLimit))}`] : [];
        out.push({ mount: { Type: 'tmpfs', Source: '', Target: vm.mountPath, ReadOnly: ro, Options: size } });
      } else out.push({ mount: { Type: 'volume', Source: '', Target: vm.mountPath, ReadOnly: ro }, emptyDir: vm.name, ...sub });
    } else if (v.configMap || v.secret) {
      const kind = v.configMap ? 'ConfigMap' : 'Secret';
      const ref = v.configMap ? { ...v.configMap } : { name: v.secret!.secretName, ...v.secret! };
      const data = lookup(src, kind, ref.name, ref.optional) ?? {};
      const mode = ref.defaultMode ?? 0o644;
      const files = ref.items?.length
        ? ref.items.map((it) => {
            if (!(it.key in data)) throw invalid(`${kind} "${ref.name}" has no key "${it.key}"`);
            return { path: it.path, data: data[it.key], mode: it.mode ?? mode };
          })
        : Object.entries(data).map(([k, d]) => ({ path: k, data: d, mode }));
      for (const f of files) if (f.path.split('/').some((s) => s === '..' || s === '') || f.path.startsWith('/')) throw invalid(`${kind} "${ref.name}": invalid item path "${f.path}"`);
      const existing = plan.volumes.find((x) => x.name === ref.name);
      if (existing?.files && JSON.stringify(existing.files.map((f) => [f.path, f.mode, f.data.toString('base64')])) !== JSON.stringify(files.map((f) => [f.path, f.mode, f.data.toString('base64')]))) {
        throw invalid(`${kind} "${ref.name}" is mounted with different items in different places; berth keeps one volume per ${kind}`);
      }
      if (!existing) plan.volumes.push({ name: ref.name, labels: { 'io.berth.kube.source': `${kind}/${ref.name}` }, files });
      out.push({ mount: { Type: 'volume', Source: ref.name, Target: vm.mountPath, ReadOnly: true }, ...sub });
    } else throw invalid(`volume "${v.name}" of pod ${podName}: only hostPath, emptyDir, persistentVolumeClaim, configMap and secret volumes are supported`);
  }
  return out;
}

function containerPlan(c: Container, pod: { name: string; spec: PodSpec; labels: Record<string, string>; annotations: Record<string, string>; restart: HostConfig['RestartPolicy'] }, vols: Map<string, Volume>, plan: Plan, src: Sources, hostPaths: PlannedPod['hostPaths']): PlannedContainer {
  if (!c.name) throw invalid(`a container of pod ${pod.name} has no name`);
  if (!c.image) throw invalid(`container ${c.name} of pod ${pod.name} has no image`);
  const config: Partial<CtrConfig> = { Env: envOf(c, src, pod) };
  if (c.command?.length) config.Entrypoint = c.command.map(String);
  if (c.args?.length) config.Cmd = c.args.map(String);
  if (c.workingDir) config.WorkingDir = c.workingDir;
  const u = user(c, pod.spec);
  if (u.user) config.User = u.user;
  if (c.tty) config.Tty = true;
  if (c.stdin) config.OpenStdin = true;
  const exposed: Record<string, object> = {};
  for (const p of c.ports ?? []) exposed[`${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`] = {};
  if (Object.keys(exposed).length) config.ExposedPorts = exposed;
  const probe = c.livenessProbe ? probeToHealth(c.livenessProbe, c.ports) : undefined;
  if (probe) config.Healthcheck = probe;
  if (pod.spec.terminationGracePeriodSeconds !== undefined) config.StopTimeout = pod.spec.terminationGracePeriodSeconds;
  const labelsJson = pod.annotations[`${LABELS_ANNOTATION}/${c.name}`];
  if (labelsJson) {
    try {
      config.Labels = JSON.parse(labelsJson) as Record<string, string>;
    } catch {
      throw invalid(`annotation ${LABELS_ANNOTATION}/${c.name} is not a JSON object of labels`);
    }
  }
  const sc = c.securityContext ?? {};
  const limits = c.resources?.limits ?? {};
  const hostConfig: Partial<HostConfig> = {
    RestartPolicy: pod.restart,
    Privileged: Boolean(sc.privileged),
    ReadonlyRootfs: Boolean(sc.readOnlyRootFilesystem),
    CapAdd: sc.capabilities?.add ?? [],
    CapDrop: sc.capabilities?.drop ?? [],
    Memory: limits.memory !== undefined ? Math.round(parseQuantity(limits.memory)) : 0,
    NanoCpus: limits.cpu !== undefined ? Math.round(parseQuantity(limits.cpu) * 1e9) : 0,
  };
  const mounts = mountsOf(c, pod.name, vols, plan, src, hostPaths);
  return { kubeName: c.name, name: `${pod.name}-${c.name}`, image: c.image, pull: pullPolicy(c), config, hostConfig, mounts, ...(u.group !== undefined ? { group: u.group } : {}) };
}

/** The whole plan: volumes (PVCs, ConfigMap and Secret volumes) and pods with their containers. */
export function planPlay(docs: KubeDocument[]): Plan {
  const plan: Plan = { pods: [], volumes: [], warnings: [] };
  const src: Sources = { configMaps: new Map(), secrets: new Map() };
  for (const d of docs) {
    if (d.kind === 'ConfigMap') src.configMaps.set(d.metadata.name!, d);
    if (d.kind === 'Secret') src.secrets.set(d.metadata.name!, d);
    if (d.kind === 'PersistentVolumeClaim') plan.volumes.push({ name: d.metadata.name!, labels: (d as PersistentVolumeClaim).metadata.labels ?? {} });
  }
  const jobs = new Map(docs.filter((d) => d.kind === 'Job').map((d) => [`${d.metadata.name}-pod`, d]));
  for (const w of workloadPods(docs)) {
    const spec = w.template.spec;
    const meta = w.template.metadata ?? {};
    const labels = { ...(meta.labels ?? {}) };
    const annotations = { ...(meta.annotations ?? {}) };
    const job = jobs.get(w.name);
    if (job && spec.restartPolicy === 'Always') throw invalid(`Job ${job.metadata.name}: restartPolicy must be OnFailure or Never`);
    if ((w.kind === 'Deployment' || w.kind === 'DaemonSet') && spec.restartPolicy && spec.restartPolicy !== 'Always') throw invalid(`${w.kind} for pod ${w.name}: restartPolicy must be Always`);
    const retries = job?.kind === 'Job' ? job.spec.backoffLimit ?? 6 : undefined;
    const restart = restartFromKube(spec.restartPolicy, job ? 'Never' : 'Always', retries);
    const vols = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
    const hostPaths: PlannedPod['hostPaths'] = [];
    const ctx = { name: w.name, spec, labels, annotations, restart };
    const containers = spec.containers.map((c) => containerPlan(c, ctx, vols, plan, src, hostPaths));
    const initContainers = (spec.initContainers ?? []).map((c) => containerPlan(c, { ...ctx, restart: { Name: 'no', MaximumRetryCount: 0 } }, vols, plan, src, hostPaths));
    const names = [...containers, ...initContainers].map((c) => c.kubeName);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw invalid(`pod ${w.name} has two containers named ${dup}`);
    const ports: PortBindings = {};
    for (const c of spec.containers) {
      for (const p of c.ports ?? []) {
        if (!p.hostPort) continue;
        if (!w.first) continue;
        const key = `${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`;
        (ports[key] ??= []).push({ HostIp: p.hostIP ?? '', HostPort: String(p.hostPort) });
      }
    }
    if (!w.first && spec.containers.some((c) => c.ports?.some((p) => p.hostPort))) plan.warnings.push(`pod ${w.name}: host ports are published by the first replica only`);
    plan.pods.push({ name: w.name, kind: w.kind, labels, hostname: spec.hostname || w.name, network: spec.hostNetwork ? 'host' : '', ports, initContainers, containers, hostPaths });
  }
  const seen = new Set<string>();
  for (const p of plan.pods) {
    if (seen.has(p.name)) throw invalid(`two workloads make a pod named ${p.name}`);
    seen.add(p.name);
  }
  return plan;
}
