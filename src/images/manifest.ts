// Manifests, indexes and configs: media types (OCI and Docker), parsing with validation,
// and platform selection out of an index.
import { invalid, notFound } from '../errors.js';
import type { Descriptor } from './content-store.js';

export const MediaType = {
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OciLayerNonDist: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export const MANIFEST_ACCEPT = [MediaType.OciIndex, MediaType.DockerList, MediaType.OciManifest, MediaType.DockerManifest].join(', ');

export type Compression = 'gzip' | 'zstd' | 'none';

export function layerCompression(mediaType: string): Compression {
  if (mediaType.endsWith('+zstd') || mediaType.endsWith('.zstd')) return 'zstd';
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.gzip') || mediaType === MediaType.DockerLayer || mediaType === MediaType.DockerForeignLayer) return 'gzip';
  if (mediaType === MediaType.OciLayer || mediaType.endsWith('.tar')) return 'none';
  throw invalid(`unsupported layer media type ${mediaType}`);
}

export function isIndex(mediaType: string | undefined): boolean {
  return mediaType === MediaType.OciIndex || mediaType === MediaType.DockerList;
}

export function isManifest(mediaType: string | undefined): boolean {
  return mediaType === MediaType.OciManifest || mediaType === MediaType.DockerManifest;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
  ArgsEscaped?: boolean;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  /** docker-only fields kept when present */
  comment?: string;
  container?: string;
  docker_version?: string;
}

/** Parse a manifest or index body, checking the shape a store can rely on. */
export function parseManifestBody(body: Buffer, contentType: string | undefined, what: string): { mediaType: string; manifest?: Manifest; index?: Index } {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid(`${what}: manifest is not valid JSON`);
  }
  const mediaType = (doc.mediaType as string | undefined) ?? (contentType?.split(';')[0].trim() || undefined) ?? (Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest);
  if (doc.schemaVersion !== 2) throw invalid(`${what}: unsupported manifest schema version ${String(doc.schemaVersion)} (schema 1 images are not supported)`);
  if (isIndex(mediaType) || (Array.isArray(doc.manifests) && !doc.config)) {
    if (!Array.isArray(doc.manifests)) throw invalid(`${what}: index has no manifests`);
    for (const d of doc.manifests as Descriptor[]) checkDescriptor(d, what);
    return { mediaType: isIndex(mediaType) ? mediaType : MediaType.OciIndex, index: doc as unknown as Index };
  }
  const m = doc as unknown as Manifest;
  if (!m.config || !Array.isArray(m.layers)) throw invalid(`${what}: manifest lacks config or layers`);
  checkDescriptor(m.config, what);
  for (const l of m.layers) checkDescriptor(l, what);
  return { mediaType: isManifest(mediaType) ? mediaType : MediaType.OciManifest, manifest: m };
}

function checkDescriptor(d: Descriptor, what: string): void {
  if (!d || typeof d.digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(d.digest) || typeof d.size !== 'number' || d.size < 0) {
    throw invalid(`${what}: invalid descriptor ${JSON.stringify(d)?.slice(0, 200)}`);
  }
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', x86: '386', aarch64: 'arm64', armhf: 'arm', armel: 'arm' };

export function hostPlatform(): Platform {
  const a = process.arch;
  const architecture = a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
  return { os: 'linux', architecture, variant: architecture === 'arm64' ? 'v8' : undefined };
}

/** Parse `os[/arch[/variant]]` as docker's --platform takes it. */
export function parsePlatform(s: string): Platform {
  const parts = s.toLowerCase().split('/');
  if (parts.length > 3 || parts.some((p) => !p)) throw invalid(`invalid platform "${s}": use os[/arch[/variant]]`);
  const [os, arch, variant] = parts;
  const host = hostPlatform();
  const architecture = arch ? ARCH_ALIASES[arch] ?? arch : host.architecture;
  return { os, architecture, variant };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function normVariant(p: Platform): string | undefined {
  if (p.architecture === 'arm64' && (!p.variant || p.variant === 'v8')) return 'v8';
  return p.variant;
}

export function platformMatches(want: Platform, have: Platform | undefined): boolean {
  if (!have) return false;
  if (want.os !== have.os || want.architecture !== (ARCH_ALIASES[have.architecture] ?? have.architecture)) return false;
  const wv = normVariant(want);
  return !wv || wv === normVariant(have);
}

/** Pick the manifest for a platform out of an index, as docker does. */
export function selectManifest(index: Index, want: Platform, what: string): Descriptor {
  const candidates = index.manifests.filter((d) => isManifest(d.mediaType) || !d.mediaType);
  const found = candidates.find((d) => platformMatches(want, d.platform as Platform | undefined));
  if (!found) {
    const have = candidates.map((d) => (d.platform ? formatPlatform(d.platform as Platform) : 'unknown')).join(', ');
    throw notFound(`${what}: no matching manifest for ${formatPlatform(want)} in the manifest list entries (available: ${have || 'none'})`);
  }
  return found;
}
