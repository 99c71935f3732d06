// The engine as the CLI sees it: one interface, two implementations. Local (backend/local)
// does the work in this process over the engine services; remote (backend/remote) asks a
// berth service or dockerd over the Docker Engine API. Podman splits its CLI the same way
// (ABI and tunnel). The shapes are the Engine API's, since a remote dockerd speaks nothing
// else; a command is written once against this and runs unchanged either way.
import type { Readable } from 'node:stream';
import type { CreateRequest } from '../engine/containers.js';
import type { SystemInfo } from '../engine/system.js';
import type { ContainerStats } from '../engine/stats.js';
import type { HostConfig } from '../containers/model.js';
import type { NetworkBackend } from './networks.js';
import type { VolumeBackend } from './volumes.js';
import type { ProgressSink } from '../images/progress.js';
import type { ImageBackend } from './images.js';

export type Json = Record<string, unknown>;

export type OutputStream = 'stdout' | 'stderr';
export type OutputSink = (stream: OutputStream, data: Buffer) => void;

/** GET /containers/json, one entry (berth adds Pod and PodName). */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }>;
  Labels: Record<string, string>;
  State: string;
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Json };
  Mounts: Array<{ Type: string; Name?: string; Source: string; Destination: string }>;
  SizeRw?: number;
  SizeRootFs?: number;
  Pod?: string;
  PodName?: string;
}

/** GET /containers/{id}/json, with the fields the CLI reads typed. */
export interface ContainerInspect extends Json {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; Paused: boolean; ExitCode: number };
  Config: { Tty?: boolean; OpenStdin?: boolean; Labels?: Record<string, string> | null };
  HostConfig: { AutoRemove?: boolean };
  NetworkSettings: { Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null };
}

export interface ContainerListOptions {
  all?: boolean;
  /** the newest N (all states) */
  limit?: number;
  size?: boolean;
  /** docker's --filter key=value, as given */
  filters?: string[];
}

/** docker's wait conditions: the current run, the run started after the call, or the record gone too. */
export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface AttachOptions {
  stdin: boolean;
  /** output from the container's start (run, start -a: attached before starting) rather than from now */
  fromStart: boolean;
}

/** A live attachment to a container's (or exec session's) streams. */
export interface AttachSession {
  write(data: Buffer): void;
  /** no more input: the container's stdin is closed */
  end(): void;
  close(): void;
  /** settles when the output has ended */
  readonly closed: Promise<void>;
}

export interface LogOptions {
  follow: boolean;
  tail: string;
  since?: string;
  until?: string;
  timestamps: boolean;
}

export interface ExecOptions {
  cmd: string[];
  env: string[];
  user?: string;
  workdir?: string;
  tty: boolean;
  interactive: boolean;
  detach: boolean;
  privileged: boolean;
  detachKeys?: string;
}

/** What a pull on the way to create reports: the reference (and whether it was missing, or --pull always), then progress. */
export type PullFeedback = (ref: string, missing: boolean) => ProgressSink;

/** GET /containers/{id}/changes, one entry: Kind 0 changed, 1 added, 2 deleted. */
export interface FileChange {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** The top entry of a tar copied out of or into a container: its name, and whether it is a directory. */
export interface CopiedEntry {
  name: string;
  isDir: boolean;
}

export type { ContainerStats };

/** POST /containers/{id}/update's body: the limits and the restart policy, those given. */
export type ContainerUpdate = Partial<Pick<HostConfig, 'Memory' | 'MemorySwap' | 'NanoCpus' | 'CpuShares' | 'CpusetCpus' | 'PidsLimit' | 'RestartPolicy'>>;

export interface EventOptions {
  /** docker's timestamps: RFC 3339, Unix seconds, or a duration before now */
  since?: string;
  until?: string;
  /** docker's --filter key=value, as given */
  filters?: string[];
}

/** One of GET /events' messages. */
export interface SystemEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: string;
  time: number;
  timeNano: number;
  /** timeNano exactly (a JSON number keeps only about 16 digits of it) */
  ns: bigint;
}

export interface ContainerBackend {
  list(o: ContainerListOptions): Promise<ContainerSummary[]>;
  inspect(name: string, o?: { size?: boolean }): Promise<ContainerInspect>;
  /** the new container's id; a missing image is pulled first (as the policy allows) */
  create(req: CreateRequest, onPull: PullFeedback): Promise<string>;
  start(name: string): Promise<void>;
  stop(name: string, timeout?: number, signal?: string): Promise<void>;
  restart(name: string, timeout?: number, signal?: string): Promise<void>;
  kill(name: string, signal?: string): Promise<void>;
  pause(name: string): Promise<void>;
  unpause(name: string): Promise<void>;
  remove(name: string, o: { force?: boolean; volumes?: boolean }): Promise<void>;
  rename(name: string, newName: string): Promise<void>;
  wait(name: string, condition: WaitCondition): Promise<number>;
  attach(name: string, o: AttachOptions, output: OutputSink): Promise<AttachSession>;
  resize(name: string, rows: number, cols: number): Promise<void>;
  logs(name: string, o: LogOptions, output: OutputSink): Promise<void>;
  top(name: string, psArgs: string[]): Promise<{ Titles: string[]; Processes: string[][] }>;
  /** runs the command with this process's terminal and stdio; its exit code */
  exec(name: string, o: ExecOptions): Promise<number>;
  diff(name: string): Promise<FileChange[]>;
  /** the container's filesystem as a tar, handed to `sink` (done when it settles) */
  export(name: string, sink: (tar: Readable) => Promise<void>): Promise<void>;
  /** `cp CONTAINER:PATH ...`: the path as a tar, handed to `sink` with its top entry */
  copyFrom(name: string, path: string, o: { followLink: boolean }, sink: (tar: Readable, top: CopiedEntry) => Promise<void>): Promise<void>;
  /** `cp ... CONTAINER:PATH`: a tar of one top entry unpacked at the path, by docker cp's naming rules (containers/copy.ts) */
  copyTo(name: string, path: string, source: CopiedEntry & { tar: Readable }, o: { owners: boolean; contentsOnly: boolean }): Promise<void>;
  /** docker's samples: one (without `stream`), or one a second until the container stops */
  stats(name: string, o: { stream: boolean }): AsyncIterable<ContainerStats>;
  update(name: string, u: ContainerUpdate): Promise<void>;
  /** removes stopped containers: the ids removed */
  prune(filters?: string[]): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }>;
}

export interface VersionReport extends Json {
  Version: string;
  ApiVersion: string;
  Os: string;
  Arch: string;
  KernelVersion?: string;
}

/** docker's GET /info, with the fields the CLI reads typed; those after DockerRootDir are berth's own (absent from dockerd). */
export interface InfoReport extends Json {
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  ServerVersion: string;
  Driver: string;
  DriverStatus?: Array<[string, string]>;
  CgroupVersion: string;
  Runtimes?: Record<string, { path: string; version?: string }>;
  DefaultRuntime?: string;
  SecurityOptions?: string[];
  KernelVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  Name: string;
  DockerRootDir: string;
  Root?: string;
  RunRoot?: string;
  ConfigFile?: string;
  CgroupMode?: string;
  Rootless?: boolean;
  RootlessDetails?: SystemInfo['RootlessDetails'];
  UnusableRuntimes?: Record<string, { path: string; reason?: string }>;
}

export interface SystemBackend {
  /** docker's GET /version of the engine (the remote service's, or this berth's) */
  version(): Promise<VersionReport>;
  /** docker's GET /info, with berth's own fields when the engine is berth */
  info(): Promise<InfoReport>;
  /** the engine's events, oldest first, until `until` (without it, for as long as this process runs) */
  events(o: EventOptions, onEvent: (e: SystemEvent) => void): Promise<void>;
}

export interface Backend {
  /** where the engine is: "local", or the remote's URL */
  readonly where: string;
  readonly remote: boolean;
  readonly containers: ContainerBackend;
  readonly images: ImageBackend;
  readonly system: SystemBackend;
  readonly networks: NetworkBackend;
  readonly volumes: VolumeBackend;
  /** ends what is still open (a remote call that no longer matters) */
  close(): void;
}
