// CRI metadata kept on berth's own objects: a sandbox is a berth pod (its labels also sit on
// its infra container), a CRI container a berth container in that pod. What CRI asks to keep
// (metadata, labels, annotations, log paths) is stored in labels under io.berth.cri.*, so
// the service holds no state of its own: List and Status answer from the store alone, and
// a restarted service (or `berth ps`) sees the same objects.
import { invalid } from '../errors.js';

const P = 'io.berth.cri';
export const L = {
  /** 'sandbox' or 'container': what CRI made (ListPodSandbox/ListContainers show only these) */
  kind: `${P}.kind`,
  /** JSON: PodSandboxMetadata or ContainerMetadata */
  metadata: `${P}.metadata`,
  /** JSON: the labels CRI gave, exactly (the berth labels also hold the image's) */
  labels: `${P}.labels`,
  /** JSON: the annotations CRI gave */
  annotations: `${P}.annotations`,
  logDirectory: `${P}.log-directory`,
  /** the container's log file as CRI named it (absolute) */
  logPath: `${P}.log-path`,
  runtimeHandler: `${P}.runtime-handler`,
  /** JSON DNSConfig of the sandbox (members' resolv.conf) */
  dns: `${P}.dns`,
  /** JSON NamespaceOption of the sandbox */
  namespaces: `${P}.namespaces`,
  /** a container's sandbox (pod id) */
  sandbox: `${P}.sandbox`,
  /** the image as CRI named it (ImageSpec.image / user_specified_image) */
  image: `${P}.image`,
  /** the ImageSpec.image CRI sent (often the image id kubelet got from PullImage) */
  imageRef: `${P}.image-ref`,
} as const;

export function json<T>(labels: Record<string, string> | undefined, key: string, fallback: T): T {
  const v = labels?.[key];
  if (!v) return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

/** The labels CRI gave (not the berth-side ones, nor the image's). */
export function criLabels(labels: Record<string, string> | undefined): Record<string, string> {
  return json(labels, L.labels, {});
}

export function criAnnotations(labels: Record<string, string> | undefined): Record<string, string> {
  return json(labels, L.annotations, {});
}

/** CRI's label selector: every key=value must be present. */
export function selected(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** A berth name from CRI's parts (docker's dockershim convention k8s_<...>), made valid. */
export function berthName(parts: Array<string | number>): string {
  const name = ['k8s', ...parts].map((p) => String(p).replace(/[^a-zA-Z0-9_.-]/g, '-')).join('_');
  if (name.length > 253) throw invalid(`name too long: ${name.slice(0, 60)}...`);
  return name;
}

/** Nanoseconds since the epoch (int64, as a string) of an ISO time; 0 for docker's zero time. */
export function nanos(iso: string | null | undefined): string {
  if (!iso || iso.startsWith('0001-')) return '0';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '0' : (BigInt(ms) * 1_000_000n).toString();
}
