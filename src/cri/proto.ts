// The CRI runtime.v1 API as the server sees it: the .proto (kubernetes/cri-api, copied
// unchanged into src/cri/api.proto and shipped as dist/cri-api.proto) loaded at run time by
// @grpc/proto-loader, and TypeScript shapes for the messages berth reads and writes. Field
// names are the proto's own (keepCase); int64 fields arrive as strings (longs: String) and
// may be sent as strings; enums are their names (enums: String).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError } from '../errors.js';

export const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true } as const;

/** dist/cri-api.proto beside the bundle; src/cri/api.proto when run from the sources or build/. */
export function protoPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'cri-api.proto'), join(here, 'api.proto'), join(here, '../../../src/cri/api.proto'), join(here, '../../src/cri/api.proto')];
  const hit = candidates.find((p) => existsSync(p));
  if (!hit) throw new BerthError('internal', `the CRI API definition is missing (looked for ${candidates.join(', ')})`);
  return hit;
}

/** int64 on the wire: what proto-loader hands us (string) or what we send. */
export type Int64 = string | number;

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

export interface NamespaceOption {
  network: NamespaceMode;
  pid: NamespaceMode;
  ipc: NamespaceMode;
  target_id: string;
}

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  container_port: number;
  host_port: number;
  host_ip: string;
}

export interface DNSConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata | null;
  hostname: string;
  log_directory: string;
  dns_config: DNSConfig | null;
  port_mappings: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  linux: {
    cgroup_parent: string;
    security_context: { namespace_options: NamespaceOption | null; privileged: boolean } | null;
    sysctls: Record<string, string>;
  } | null;
}

export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface PodSandboxFilter {
  id: string;
  state: { state: PodSandboxState } | null;
  label_selector: Record<string, string>;
}

export interface ImageSpec {
  image: string;
  annotations: Record<string, string>;
  user_specified_image: string;
  runtime_handler: string;
  image_ref: string;
}

export interface CriMount {
  container_path: string;
  host_path: string;
  readonly: boolean;
  selinux_relabel: boolean;
  propagation: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}

export interface LinuxContainerResources {
  cpu_period: Int64;
  cpu_quota: Int64;
  cpu_shares: Int64;
  memory_limit_in_bytes: Int64;
  oom_score_adj: Int64;
  cpuset_cpus: string;
  cpuset_mems: string;
}

export interface SecurityProfile {
  profile_type: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  localhost_ref: string;
}

export interface LinuxContainerSecurityContext {
  capabilities: { add_capabilities: string[]; drop_capabilities: string[] } | null;
  privileged: boolean;
  namespace_options: NamespaceOption | null;
  run_as_user: { value: Int64 } | null;
  run_as_group: { value: Int64 } | null;
  run_as_username: string;
  readonly_rootfs: boolean;
  supplemental_groups: Int64[];
  no_new_privs: boolean;
  seccomp: SecurityProfile | null;
  apparmor: SecurityProfile | null;
}

export interface ContainerConfig {
  metadata: { name: string; attempt: number } | null;
  image: ImageSpec | null;
  command: string[];
  args: string[];
  working_dir: string;
  /** value is bytes in v0.36 (a string before: the same on the wire) */
  envs: Array<{ key: string; value: Buffer | string }>;
  mounts: CriMount[];
  devices: Array<{ container_path: string; host_path: string; permissions: string }>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  log_path: string;
  stdin: boolean;
  stdin_once: boolean;
  tty: boolean;
  linux: { resources: LinuxContainerResources | null; security_context: LinuxContainerSecurityContext | null } | null;
  stop_signal: string;
}

export interface ContainerFilter {
  id: string;
  state: { state: ContainerState } | null;
  pod_sandbox_id: string;
  label_selector: Record<string, string>;
}

export interface AuthConfig {
  username: string;
  password: string;
  auth: string;
  server_address: string;
  identity_token: string;
  registry_token: string;
}

/** A request of any method: the handlers take what they need. */
export type Req = Record<string, unknown>;
