// `berth kube generate`: containers and pods as Kubernetes YAML, following podman's `kube
// generate`. Pure mapping: the engine service (src/engine/kube.ts) gathers the records, image
// configs and host facts; nothing here touches the disk or the database.
//
// podman's rules kept here: a pod's name is the pod's (or, for loose containers, the first
// container's name plus "-pod"); the container's Entrypoint is `command` and its Cmd `args`
// (`command` dropped when it is the image's own); env lists only what differs from the image;
// bind mounts become hostPath volumes named after the path plus "-host-<n>", named volumes
// persistentVolumeClaims named "<volume>-pvc" (with a PersistentVolumeClaim document of 1Gi,
// ReadWriteOnce); with --service, containers lose their hostPorts and a NodePort Service with
// random node ports in 30000-32767 is written; a Deployment is "<pod>-deployment" selecting
// app=<pod>.
import { stringify } from 'yaml';
import type { ContainerRecord, Mount } from '../containers/model.js';
import type { ContainerConfig, HealthConfig } from '../images/manifest.js';
import type { PortBindings } from '../network/ports.js';
import { LABELS_ANNOTATION, type Container, type ContainerPort, type Deployment, type KubeDocument, type PersistentVolumeClaim, type Pod, type PodSpec, type Probe, type RestartPolicy, type SecurityContext, type Service, type ServicePort, type Volume, type VolumeMount } from './types.js';

export interface GenContainer {
  record: ContainerRecord;
  /** the image's own config (to leave out what the image already says) */
  image: ContainerConfig;
}

export interface GenPod {
  name: string;
  /** set when the source is a berth pod */
  pod?: { hostname: string; labels: Record<string, string>; networkMode: string };
  /** published ports that belong to the pod (a pod's infra container), none for loose containers */
  ports: PortBindings;
  /** what the ports are bound to now (ephemeral host ports), from the infra container's state */
  boundPorts?: ContainerRecord['state']['Ports'];
  containers: GenContainer[];
}

export interface GenerateOptions {
  type: 'pod' | 'deployment';
  service: boolean;
  replicas?: number;
  /** hostPath type for a bind source (Directory, File, or DirectoryOrCreate when it is missing) */
  hostPathType(path: string): 'Directory' | 'File' | 'DirectoryOrCreate';
  /** a volume's facts: anonymous volumes become emptyDir, named ones PVCs */
  volume(name: string): { anonymous: boolean; labels: Record<string, string> } | undefined;
  /** a NodePort for --service (random in 30000-32767, as podman) */
  nodePort(): number;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A DNS-1123 label (container, volume and port names): lower case, [a-z0-9-], at most 63. */
export function dnsLabel(s: string, max = 63): string {
  const out = s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').slice(0, max).replace(/^-+|-+$/g, '');
  return out || 'x';
}

/** A DNS-1123 subdomain (object names): as a label, dots allowed between labels, at most 253. */
export function dnsSubdomain(s: string): string {
  const parts = s.toLowerCase().replace(/_/g, '').split('.').map((p) => p.replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')).filter(Boolean);
  return (parts.join('.') || 'x').slice(0, 253).replace(/[.-]+$/, '');
}

export const isDnsLabel = (s: string): boolean => s.length <= 63 && DNS_LABEL.test(s);
export const isLabel = (k: string, v: string): boolean => k.length <= 316 && LABEL_KEY.test(k) && v.length <= 63 && LABEL_VALUE.test(v);

const sameList = (a: readonly string[] | null | undefined, b: readonly string[] | null | undefined): boolean => (a ?? []).length === (b ?? []).length && (a ?? []).every((x, i) => x === (b ?? [])[i]);

/** Bytes as a Kubernetes quantity: 67108864 -> 64Mi. */
export function memoryQuantity(bytes: number): string {
  for (const [suffix, unit] of [['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) if (bytes % unit === 0) return `${bytes / unit}${suffix}`;
  return String(bytes);
}

/** NanoCpus as a Kubernetes quantity: 1.5e9 -> 1500m, 2e9 -> 2. */
export function cpuQuantity(nanos: number): string {
  if (nanos % 1e9 === 0) return String(nanos / 1e9);
  return `${Math.max(1, Math.round(nanos / 1e6))}m`;
}

/** A container's health check as a livenessProbe (exec; CMD-SHELL runs through /bin/sh -c). */
export function healthToProbe(h: HealthConfig | undefined): Probe | undefined {
  const test = h?.Test ?? [];
  if (!test.length || test[0] === 'NONE') return undefined;
  const command = test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : test[0] === 'CMD' ? test.slice(1) : test;
  if (!command.length) return undefined;
  const sec = (ns: number | undefined) => (ns ? Math.max(1, Math.round(ns / 1e9)) : undefined);
  const probe: Probe = { exec: { command } };
  const delay = sec(h?.StartPeriod);
  if (delay) probe.initialDelaySeconds = delay;
  const period = sec(h?.Interval);
  if (period) probe.periodSeconds = period;
  const timeout = sec(h?.Timeout);
  if (timeout) probe.timeoutSeconds = timeout;
  if (h?.Retries) probe.failureThreshold = h.Retries;
  return probe;
}

export function restartToKube(name: string | undefined): RestartPolicy | undefined {
  if (name === 'always' || name === 'unless-stopped') return 'Always';
  if (name === 'on-failure') return 'OnFailure';
  if (name === 'no') return 'Never';
  return undefined;
}

/** Published ports as container ports; an ephemeral host port is the one bound now. */
export function bindingsToPorts(bindings: PortBindings, bound: GenPod['boundPorts'] = []): ContainerPort[] {
  const out: ContainerPort[] = [];
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const [port, proto = 'tcp'] = key.split('/');
    for (const b of list ?? [{ HostIp: '', HostPort: '' }]) {
      const cp: ContainerPort = { containerPort: Number(port) };
      const hostPort = Number(b.HostPort) || bound?.find((x) => x.container_port === Number(port) && x.protocol === proto && (!b.HostIp || x.host_ip === b.HostIp))?.host_port;
      if (hostPort) cp.hostPort = hostPort;
      if (b.HostIp) cp.hostIP = b.HostIp;
      cp.protocol = proto.toUpperCase() as ContainerPort['protocol'];
      out.push(cp);
    }
  }
  return out;
}

/** Kubernetes' convention: capability names without CAP_. */
const capName = (c: string) => c.toUpperCase().replace(/^CAP_/, '');

function securityContext(c: ContainerRecord, image: ContainerConfig): SecurityContext | undefined {
  const hc = c.hostConfig;
  const sc: SecurityContext = {};
  if (hc.Privileged) sc.privileged = true;
  const add = (hc.CapAdd ?? []).map(capName);
  const drop = (hc.CapDrop ?? []).map(capName);
  if (add.length || drop.length) sc.capabilities = { ...(add.length ? { add } : {}), ...(drop.length ? { drop } : {}) };
  const user = c.config.User ?? '';
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  if (m && user !== (image.User ?? '')) {
    sc.runAsUser = Number(m[1]);
    if (m[2] !== undefined) sc.runAsGroup = Number(m[2]);
  }
  if (hc.ReadonlyRootfs) sc.readOnlyRootFilesystem = true;
  return Object.keys(sc).length ? sc : undefined;
}

/** What a mount becomes: a volume of the pod and the container's mount of it. */
function mountToVolume(m: Mount, index: number, image: ContainerConfig, o: GenerateOptions, pvcs: Map<string, PersistentVolumeClaim>): { volume: Volume; mount: VolumeMount } | undefined {
  const ro = m.ReadOnly ? { readOnly: true } : {};
  if (m.Type === 'bind') {
    const base = m.Source === '/' ? 'root' : dnsLabel(m.Source.replace(/[/._]/g, '-'), 50);
    const name = `${base}-host-${index}`;
    return { volume: { name, hostPath: { path: m.Source, type: o.hostPathType(m.Source) } }, mount: { name, mountPath: m.Target, ...ro } };
  }
  if (m.Type === 'tmpfs') {
    const name = `${dnsLabel(m.Target, 55)}-tmpfs`;
    return { volume: { name, emptyDir: { medium: 'Memory' } }, mount: { name, mountPath: m.Target, ...ro } };
  }
  const v = o.volume(m.Source);
  if (!v || v.anonymous) {
    // The image's own VOLUME comes back with the image; any other anonymous volume is scratch space.
    if (image.Volumes && m.Target in image.Volumes) return undefined;
    const name = `anon-${dnsLabel(m.Source, 12)}`;
    return { volume: { name, emptyDir: {} }, mount: { name, mountPath: m.Target, ...ro } };
  }
  const claim = dnsSubdomain(m.Source.replace(/_/g, '-'));
  const name = `${dnsLabel(claim, 59)}-pvc`;
  if (!pvcs.has(claim)) {
    const labels = Object.fromEntries(Object.entries(v.labels).filter(([k, val]) => isLabel(k, val)));
    pvcs.set(claim, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: claim, ...(Object.keys(labels).length ? { labels } : {}) },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
  }
  return { volume: { name, persistentVolumeClaim: { claimName: claim, ...ro } }, mount: { name, mountPath: m.Target, ...ro } };
}

function container(g: GenContainer, name: string, o: GenerateOptions, volumes: Map<string, Volume>, pvcs: Map<string, PersistentVolumeClaim>): Container {
  const { record: c, image } = g;
  const out: Container = { name, image: c.image };
  // podman: an entrypoint is `command` and the cmd its `args`; without one, the cmd is `command`.
  // A command that is just the image's own is left out.
  let command: string[] | undefined;
  let args: string[] | undefined;
  if (c.config.Entrypoint?.length) {
    command = c.config.Entrypoint;
    args = c.config.Cmd ?? undefined;
  } else command = c.config.Cmd ?? undefined;
  if (command && (sameList(command, image.Cmd) || sameList(command, image.Entrypoint))) command = undefined;
  if (command?.length) out.command = [...command];
  if (args?.length) out.args = [...args];
  const wd = c.config.WorkingDir ?? '';
  if (wd && wd !== '/' && wd !== (image.WorkingDir ?? '')) out.workingDir = wd;
  const imageEnv = new Set(image.Env ?? []);
  const env = (c.config.Env ?? []).filter((e) => !imageEnv.has(e)).map((e) => {
    const i = e.indexOf('=');
    return i < 0 ? { name: e, value: '' } : { name: e.slice(0, i), value: e.slice(i + 1) };
  });
  if (env.length) out.env = env;
  const mounts: VolumeMount[] = [];
  const all: Mount[] = [...(c.hostConfig.Mounts ?? [])];
  for (const [target, opts] of Object.entries(c.hostConfig.Tmpfs ?? {})) if (!all.some((m) => m.Target === target)) all.push({ Type: 'tmpfs', Source: '', Target: target, ReadOnly: false, Options: opts ? opts.split(',') : [] });
  let n = 0;
  all.forEach((m) => {
    // podman numbers the mounts that are not named volumes (tmp-host-0, ...).
    const r = mountToVolume(m, m.Type === 'volume' ? -1 : n++, image, o, pvcs);
    if (!r) return;
    mounts.push(r.mount);
    if (!volumes.has(r.volume.name)) volumes.set(r.volume.name, r.volume);
  });
  if (mounts.length) out.volumeMounts = mounts;
  const limits: Record<string, string> = {};
  if (c.hostConfig.Memory > 0) limits.memory = memoryQuantity(c.hostConfig.Memory);
  if (c.hostConfig.NanoCpus > 0) limits.cpu = cpuQuantity(c.hostConfig.NanoCpus);
  if (Object.keys(limits).length) out.resources = { limits };
  const probe = healthToProbe(c.config.Healthcheck);
  if (probe) out.livenessProbe = probe;
  const sc = securityContext(c, image);
  if (sc) out.securityContext = sc;
  if (c.config.OpenStdin) out.stdin = true;
  if (c.config.Tty) out.tty = true;
  return out;
}

/** The labels a container has beyond its image's (Kubernetes has none per container: an annotation keeps them). */
function ownLabels(g: GenContainer): Record<string, string> {
  const img = g.image.Labels ?? {};
  return Object.fromEntries(Object.entries(g.record.config.Labels ?? {}).filter(([k, v]) => img[k] !== v && k !== 'io.berth.infra'));
}

/** One pod as a Pod (or Deployment), plus the PVCs its named volumes need and, with --service, a Service. */
export function generatePod(p: GenPod, o: GenerateOptions): KubeDocument[] {
  const name = dnsSubdomain(p.name);
  const volumes = new Map<string, Volume>();
  const pvcs = new Map<string, PersistentVolumeClaim>();
  const annotations: Record<string, string> = {};
  const used = new Set<string>();
  const containers = p.containers.map((g, i) => {
    // A member of a pod that `kube play` made is named <pod>-<container>: the YAML keeps <container>.
    const raw = p.pod && g.record.name.startsWith(`${p.name}-`) ? g.record.name.slice(p.name.length + 1) : g.record.name;
    let cname = dnsLabel(raw.replace(/_/g, ''));
    while (used.has(cname)) cname = dnsLabel(`${cname.slice(0, 60)}-${i}`);
    used.add(cname);
    const k = container(g, cname, o, volumes, pvcs);
    // Loose containers publish their own ports; a pod's belong to the pod (on its first container).
    const ports = p.pod ? (i === 0 ? bindingsToPorts(p.ports, p.boundPorts) : []) : bindingsToPorts(g.record.hostConfig.PortBindings, g.record.state.Ports);
    if (ports.length) k.ports = o.service ? ports.map(({ hostPort: _h, hostIP: _i, ...rest }) => rest) : ports;
    const own = ownLabels(g);
    if (Object.keys(own).length) annotations[`${LABELS_ANNOTATION}/${cname}`] = JSON.stringify(own);
    return k;
  });
  if (!containers.length) throw new Error(`pod ${p.name} has no containers besides its infra container`);
  const spec: PodSpec = { containers };
  if (volumes.size) spec.volumes = [...volumes.values()];
  const restart = restartToKube(p.containers.find((c) => c.record.hostConfig.RestartPolicy?.Name)?.record.hostConfig.RestartPolicy.Name);
  // Deployments may only say Always (Kubernetes' default): leave it out there.
  if (restart && o.type === 'pod') spec.restartPolicy = restart;
  const first = p.containers[0].record;
  const hostname = p.pod ? (p.pod.hostname !== p.name ? p.pod.hostname : '') : first.id.startsWith(first.config.Hostname) ? '' : first.config.Hostname;
  if (hostname) spec.hostname = hostname;
  const mode = p.pod ? p.pod.networkMode : first.hostConfig.NetworkMode;
  if (mode === 'host') spec.hostNetwork = true;
  const grace = p.containers.map((c) => c.record.config.StopTimeout).find((t) => t !== undefined);
  if (grace !== undefined) spec.terminationGracePeriodSeconds = grace;
  const labels: Record<string, string> = { app: name };
  for (const [k, v] of Object.entries(p.pod?.labels ?? {})) if (isLabel(k, v) && k !== 'app') labels[k] = v;
  const metadata = { name, labels, ...(Object.keys(annotations).length ? { annotations } : {}) };
  const docs: KubeDocument[] = [...pvcs.values()];
  if (o.service) docs.push(service(name, containers, o));
  if (o.type === 'deployment') {
    const dep: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `${name}-deployment`, labels: { app: name } },
      spec: { ...(o.replicas && o.replicas > 1 ? { replicas: o.replicas } : {}), selector: { matchLabels: { app: name } }, template: { metadata, spec } },
    };
    docs.push(dep);
  } else {
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata, spec };
    docs.push(pod);
  }
  return docs;
}

/** podman's Service: NodePort for published ports; berth writes a headless ClusterIP when nothing is published. */
function service(name: string, containers: Container[], o: GenerateOptions): Service {
  const ports: ServicePort[] = [];
  const taken = new Set<number>();
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      let nodePort = o.nodePort();
      for (let i = 0; taken.has(nodePort) && i < 100; i++) nodePort = o.nodePort();
      taken.add(nodePort);
      ports.push({ name: `${p.containerPort}-${(p.protocol ?? 'TCP').toLowerCase()}`, protocol: p.protocol ?? 'TCP', port: p.containerPort, targetPort: p.containerPort, nodePort });
    }
  }
  const metadata = { name, labels: { app: name } };
  if (ports.length) return { apiVersion: 'v1', kind: 'Service', metadata, spec: { type: 'NodePort', selector: { app: name }, ports } };
  return { apiVersion: 'v1', kind: 'Service', metadata, spec: { type: 'ClusterIP', clusterIP: 'None', selector: { app: name } } };
}

/** All the documents: PVCs and Services first (helm's install order, as podman), then the workloads. */
export function generateKube(pods: GenPod[], o: GenerateOptions): KubeDocument[] {
  const all = pods.flatMap((p) => generatePod(p, o));
  const seen = new Set<string>();
  const first = all.filter((d) => d.kind === 'PersistentVolumeClaim' || d.kind === 'Service').filter((d) => {
    const key = `${d.kind}/${d.metadata.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return [...first, ...all.filter((d) => d.kind !== 'PersistentVolumeClaim' && d.kind !== 'Service')];
}

/** Multi-document YAML with podman's header comment. */
export function toYaml(docs: KubeDocument[], version: string): string {
  const header = `# Save the output of this file and use kubectl create -f to import\n# it into Kubernetes.\n#\n# Created with berth-${version}\n`;
  return header + docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}
