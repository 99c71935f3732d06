// A container record, in the shapes docker's inspect and the Engine API use, so that the CLI
// and the API translate nothing.
import type { ContainerConfig } from '../images/manifest.js';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  /** pid of the container's monitor (conmon); not in docker's JSON */
  MonitorPid?: number;
  /** stopped by the user: restart policies leave it alone; not in docker's JSON */
  ManuallyStopped?: boolean;
  /** identifies one start: the monitor's cleanup of an older run must not touch a newer one; not in docker's JSON */
  RunId?: string;
  /** published ports of this run (netavark's mappings); not in docker's JSON */
  Ports?: Array<{ host_ip: string; container_port: number; host_port: number; protocol: 'tcp' | 'udp' }>;
  /** per network: address, gateway, mac of this run; not in docker's JSON */
  Networks?: Record<string, { IPAddress: string; Gateway: string; IPPrefixLen: number; MacAddress: string; NetworkID: string; Aliases: string[]; GlobalIPv6Address?: string; GlobalIPv6PrefixLen?: number; IPv6Gateway?: string }>;
  /** pid of the health-check scheduler; not in docker's JSON */
  HealthPid?: number;
  Health?: Health;
}

export interface Health {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }>;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function newState(): ContainerState {
  return { Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME };
}

/** docker's Config as stored for a container (image config merged with the user's options). */
export interface CtrConfig extends ContainerConfig {
  Hostname: string;
  Domainname: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Image: string;
  StopTimeout?: number;
}

export interface Mount {
  Type: 'bind' | 'volume' | 'tmpfs';
  Source: string;
  Target: string;
  ReadOnly: boolean;
  Options?: string[];
}

export interface HostConfig {
  AutoRemove: boolean;
  Privileged: boolean;
  ReadonlyRootfs: boolean;
  NetworkMode: string;
  RestartPolicy: { Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure'; MaximumRetryCount: number };
  Runtime: string;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  SecurityOpt: string[] | null;
  Init: boolean;
  /** berth's (podman's --sdnotify): how a Type=notify systemd unit learns the container is ready: conmon (berth tells it once the container runs), container (the container's process gets NOTIFY_SOCKET), ignore */
  SdNotifyMode?: 'conmon' | 'container' | 'ignore';
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
  CpuShares: number;
  CpusetCpus: string;
  PidsLimit: number | null;
  ShmSize: number;
  Ulimits: Array<{ Name: string; Soft: number; Hard: number }> | null;
  Tmpfs: Record<string, string> | null;
  Binds: string[] | null;
  Mounts: Mount[];
  ExtraHosts: string[] | null;
  LogConfig: { Type: string; Config: Record<string, string> };
  Devices: Array<{ PathOnHost: string; PathInContainer: string; CgroupPermissions: string }> | null;
  DeviceRequests: Array<{ Driver: string; DeviceIDs: string[] }> | null;
  PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
  PublishAllPorts: boolean;
  Dns: string[];
  DnsSearch: string[];
  DnsOptions: string[];
  /** the networks beyond NetworkMode, with aliases and fixed addresses (berth's, from --network/--network-alias/--ip) */
  Networks?: Array<{ network: string; aliases: string[]; ip?: string; mac?: string }>;
  UsernsMode: string;
  /** docker's namespace modes: '' (private), 'host', or 'container:<name|id>' (UTSMode: '' or 'host'; berth also takes container:) */
  PidMode?: string;
  IpcMode?: string;
  UTSMode?: string;
  /** berth's: the pod the container belongs to (its infra container holds the shared namespaces) */
  Pod?: string;
  /** berth's: the ids a --userns=auto container holds in the user's namespace */
  UsernsSlice?: { base: number; size: number };
}

export interface ContainerRecord {
  id: string;
  name: string;
  imageId: string;
  image: string;
  created: string;
  config: CtrConfig;
  hostConfig: HostConfig;
  state: ContainerState;
  runtime: string;
  restartCount: number;
}
