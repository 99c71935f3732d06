// docker run/create flags, and their translation into docker's Config and HostConfig (what
// docker's own CLI sends to the Engine API). Shared by `run` and `create`.
import type { Cli } from './command.js';
import type { PullFeedback } from '../backend/backend.js';
import { progressRenderer } from './progress.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FlagSpec, FlagValues } from './args.js';
import type { CreateRequest, PullPolicy } from '../engine/containers.js';
import type { CtrConfig, HostConfig, Mount } from '../containers/model.js';
import { invalid } from '../errors.js';
import { parseSize } from '../util/units.js';
import { parseGoDuration } from '../containers/health.js';
import { isCdiName } from '../containers/devices.js';
import { mergeBindings, parsePublish } from '../network/ports.js';
import type { HealthConfig } from '../images/manifest.js';
import { parseVolumeSpec } from '../engine/mounts.js';

/** The resource limits `run`/`create` and `update` share. */
export const resourceFlags: FlagSpec[] = [
  { name: 'memory', short: 'm', type: 'string', value: 'bytes', help: 'Memory limit' },
  { name: 'memory-swap', type: 'string', value: 'bytes', help: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  { name: 'cpus', type: 'string', value: 'decimal', help: 'Number of CPUs' },
  { name: 'cpu-shares', short: 'c', type: 'int', value: 'int', help: 'CPU shares (relative weight)' },
  { name: 'cpuset-cpus', type: 'string', value: 'string', help: 'CPUs in which to allow execution (0-3, 0,1)' },
  { name: 'pids-limit', type: 'int', value: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
];

export const containerFlags: FlagSpec[] = [
  ...resourceFlags,
  { name: 'interactive', short: 'i', type: 'bool', help: 'Keep STDIN open even if not attached' },
  { name: 'tty', short: 't', type: 'bool', help: 'Allocate a pseudo-TTY' },
  { name: 'rm', type: 'bool', help: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  { name: 'name', type: 'string', value: 'string', help: 'Assign a name to the container' },
  { name: 'env', short: 'e', type: 'strings', value: 'list', help: 'Set environment variables' },
  { name: 'env-file', type: 'strings', value: 'list', help: 'Read in a file of environment variables' },
  { name: 'workdir', short: 'w', type: 'string', value: 'string', help: 'Working directory inside the container' },
  { name: 'user', short: 'u', type: 'string', value: 'string', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'entrypoint', type: 'string', value: 'string', help: 'Overwrite the default ENTRYPOINT of the image' },
  { name: 'hostname', short: 'h', type: 'string', value: 'string', help: 'Container host name' },
  { name: 'add-host', type: 'strings', value: 'list', help: 'Add a custom host-to-IP mapping (host:ip)' },
  { name: 'label', short: 'l', type: 'strings', value: 'list', help: 'Set meta data on a container' },
  { name: 'restart', type: 'string', value: 'string', default: 'no', help: 'Restart policy to apply when a container exits (no, on-failure[:max-retries], always, unless-stopped)' },
  { name: 'stop-signal', type: 'string', value: 'string', help: 'Signal to stop the container' },
  { name: 'stop-timeout', type: 'int', value: 'int', help: 'Timeout (in seconds) to stop a container' },
  { name: 'read-only', type: 'bool', help: "Mount the container's root filesystem as read only" },
  { name: 'tmpfs', type: 'strings', value: 'list', help: 'Mount a tmpfs directory' },
  { name: 'volume', short: 'v', type: 'strings', value: 'list', help: 'Bind mount a volume (host-path|name:container-path[:ro], or an anonymous /container-path)' },
  { name: 'mount', type: 'strings', value: 'mount', help: 'Attach a filesystem mount to the container (type=bind|volume|tmpfs)' },
  { name: 'ulimit', type: 'strings', value: 'ulimit', help: 'Ulimit options (name=soft[:hard])' },
  { name: 'cap-add', type: 'strings', value: 'list', help: 'Add Linux capabilities' },
  { name: 'cap-drop', type: 'strings', value: 'list', help: 'Drop Linux capabilities' },
  { name: 'privileged', type: 'bool', help: 'Give extended privileges to this container' },
  { name: 'security-opt', type: 'strings', value: 'list', help: 'Security Options (no-new-privileges, seccomp=unconfined|FILE, label=disable)' },
  { name: 'shm-size', type: 'string', value: 'bytes', help: 'Size of /dev/shm' },
  { name: 'runtime', type: 'string', value: 'string', help: 'Runtime to use for this container (runc, crun, runsc, or one named in the config file)' },
  { name: 'pull', type: 'string', value: 'string', default: 'missing', help: 'Pull image before running ("always", "missing", "never")' },
  { name: 'platform', type: 'string', value: 'string', help: 'Set platform if server is multi-platform capable' },
  { name: 'network', type: 'strings', value: 'network', help: 'Connect a container to a network (bridge, a network name, none, host, container:<name|id>); repeatable' },
  { name: 'net', type: 'strings', value: 'network', help: 'Connect a container to a network', hidden: true },
  { name: 'network-alias', type: 'strings', value: 'list', help: 'Add network-scoped alias for the container' },
  { name: 'ip', type: 'string', value: 'string', help: 'IPv4 address (e.g., 172.30.100.104)' },
  { name: 'mac-address', type: 'string', value: 'string', help: 'Container MAC address (e.g., 92:d0:c6:0a:29:33)' },
  { name: 'publish', short: 'p', type: 'strings', value: 'list', help: "Publish a container's port(s) to the host ([ip:][hostPort:]containerPort[/proto])" },
  { name: 'publish-all', short: 'P', type: 'bool', help: 'Publish all exposed ports to random ports' },
  { name: 'dns', type: 'strings', value: 'list', help: 'Set custom DNS servers' },
  { name: 'dns-search', type: 'strings', value: 'list', help: 'Set custom DNS search domains' },
  { name: 'dns-option', type: 'strings', value: 'list', help: 'Set DNS options' },
  { name: 'log-driver', type: 'string', value: 'string', help: 'Logging driver for the container (k8s-file, json-file, none)' },
  { name: 'log-opt', type: 'strings', value: 'list', help: 'Log driver options (max-size, max-file)' },
  { name: 'cidfile', type: 'string', value: 'string', help: 'Write the container ID to the file' },
  { name: 'sdnotify', type: 'string', value: 'string', help: 'Under a systemd Type=notify unit: who tells systemd the container is ready (container, conmon, ignore) (default "container")' },
  { name: 'expose', type: 'strings', value: 'list', help: 'Expose a port or a range of ports' },
  { name: 'init', type: 'bool', help: 'Run an init inside the container that forwards signals and reaps processes' },
  { name: 'device', type: 'strings', value: 'list', help: 'Add a host device (/dev/x[:/dev/y[:rwm]]) or a CDI device (vendor.com/class=name)' },
  { name: 'userns', type: 'string', value: 'string', help: 'User namespace to use (host; rootless: keep-id)' },
  { name: 'pid', type: 'string', value: 'string', help: 'PID namespace to use (host, container:<name|id>)' },
  { name: 'ipc', type: 'string', value: 'string', help: 'IPC mode to use (private, shareable, host, container:<name|id>)' },
  { name: 'uts', type: 'string', value: 'string', help: 'UTS namespace to use (host, container:<name|id>)' },
  { name: 'pod', type: 'string', value: 'string', help: 'Run the container in an existing pod (its network, IPC and UTS namespaces)' },
  { name: 'health-cmd', type: 'string', value: 'string', help: 'Command to run to check health' },
  { name: 'health-interval', type: 'string', value: 'duration', help: 'Time between running the check (ms|s|m|h) (default 30s)' },
  { name: 'health-timeout', type: 'string', value: 'duration', help: 'Maximum time to allow one check to run (ms|s|m|h) (default 30s)' },
  { name: 'health-retries', type: 'int', value: 'int', help: 'Consecutive failures needed to report unhealthy' },
  { name: 'health-start-period', type: 'string', value: 'duration', help: 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h)' },
  { name: 'no-healthcheck', type: 'bool', help: 'Disable any container-specified HEALTHCHECK' },
];

function healthcheck(flags: FlagValues): HealthConfig | undefined {
  const any = ['health-cmd', 'health-interval', 'health-timeout', 'health-retries', 'health-start-period'].some((k) => flags[k] !== undefined);
  if (flags['no-healthcheck']) {
    if (any) throw invalid('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!any) return undefined;
  return {
    ...(flags['health-cmd'] !== undefined ? { Test: ['CMD-SHELL', flags['health-cmd'] as string] } : {}),
    ...(flags['health-interval'] ? { Interval: parseGoDuration(flags['health-interval'] as string) } : {}),
    ...(flags['health-timeout'] ? { Timeout: parseGoDuration(flags['health-timeout'] as string) } : {}),
    ...(flags['health-start-period'] ? { StartPeriod: parseGoDuration(flags['health-start-period'] as string) } : {}),
    ...(flags['health-retries'] !== undefined ? { Retries: flags['health-retries'] as number } : {}),
  };
}

function sdNotifyMode(s: string): NonNullable<HostConfig['SdNotifyMode']> {
  if (s !== 'conmon' && s !== 'container' && s !== 'ignore') throw invalid(`invalid --sdnotify "${s}": use container, conmon or ignore`);
  return s;
}

function macAddress(s: string): string {
  if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(s)) throw invalid(`invalid MAC address "${s}"`);
  return s.toLowerCase();
}

function keyValue(s: string, what: string): [string, string] {
  const i = s.indexOf('=');
  if (i <= 0) throw invalid(`invalid ${what} "${s}": expected key=value`);
  return [s.slice(0, i), s.slice(i + 1)];
}

function envList(flags: FlagValues): string[] {
  const out: string[] = [];
  for (const file of flags['env-file'] as string[]) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const t = line.trim();
      if (!t || t.startsWith('#')) continue;
      out.push(t.includes('=') ? t : process.env[t] !== undefined ? `${t}=${process.env[t]}` : t);
    }
  }
  for (const e of flags.env as string[]) {
    // `-e NAME` passes the caller's value through, as docker does.
    if (e.includes('=')) out.push(e);
    else if (process.env[e] !== undefined) out.push(`${e}=${process.env[e]}`);
  }
  return out;
}

/** --cpus 1.5 -> NanoCpus */
export function nanoCpus(v: string): number {
  const n = Number(v);
  if (!v || Number.isNaN(n) || n < 0) throw invalid(`invalid --cpus "${v}"`);
  return Math.round(n * 1e9);
}

/** --memory-swap: a size, or -1 for unlimited */
export function memorySwap(v: string): number {
  return v === '-1' ? -1 : parseSize(v);
}

export function restartPolicy(s: string): HostConfig['RestartPolicy'] {
  const [name, max] = s.split(':');
  if (!['no', 'always', 'unless-stopped', 'on-failure'].includes(name)) throw invalid(`invalid restart policy "${s}"`);
  if (max !== undefined && (name !== 'on-failure' || !/^\d+$/.test(max))) throw invalid(`invalid restart policy "${s}": only on-failure takes a maximum retry count`);
  return { Name: name as HostConfig['RestartPolicy']['Name'], MaximumRetryCount: max ? Number(max) : 0 };
}

function mountFlag(spec: string): Mount {
  const kv: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const [k, v] = part.includes('=') ? keyValue(part, '--mount field') : [part, 'true'];
    kv[k] = v;
  }
  const type = kv.type ?? 'volume';
  const target = kv.target ?? kv.destination ?? kv.dst;
  if (!target) throw invalid(`invalid --mount "${spec}": target is required`);
  const ro = kv.readonly === 'true' || kv.ro === 'true' || 'readonly' in kv && kv.readonly !== 'false';
  if (type === 'bind') {
    const source = kv.source ?? kv.src;
    if (!source) throw invalid(`invalid --mount "${spec}": source is required for a bind mount`);
    return { Type: 'bind', Source: resolve(source), Target: target, ReadOnly: ro };
  }
  if (type === 'tmpfs') {
    const opts: string[] = [];
    if (kv['tmpfs-size']) opts.push(`size=${parseSize(kv['tmpfs-size'])}`);
    if (kv['tmpfs-mode']) opts.push(`mode=${kv['tmpfs-mode']}`);
    return { Type: 'tmpfs', Source: '', Target: target, ReadOnly: ro, Options: opts };
  }
  if (type === 'volume') return { Type: 'volume', Source: kv.source ?? kv.src ?? '', Target: target, ReadOnly: ro };
  throw invalid(`--mount type "${type}" is not supported (bind, volume, tmpfs)`);
}

export function createRequest(flags: FlagValues, image: string, cmd: string[]): CreateRequest {
  const pull = flags.pull as PullPolicy;
  if (!['missing', 'always', 'never'].includes(pull)) throw invalid(`invalid pull policy "${pull}": use always, missing or never`);
  const labels: Record<string, string> = {};
  for (const l of flags.label as string[]) {
    const i = l.indexOf('=');
    if (i === 0) throw invalid(`invalid label "${l}"`);
    labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1);
  }
  const exposed: Record<string, object> = {};
  for (const p of flags.expose as string[]) exposed[p.includes('/') ? p : `${p}/tcp`] = {};
  const config: Partial<CtrConfig> = {
    Tty: flags.tty as boolean,
    OpenStdin: flags.interactive as boolean,
    // As docker: only `run -i` attached closes stdin when its client goes; `run -d -i` and `create -i` keep it open.
    StdinOnce: Boolean(flags.interactive) && flags.detach === false,
    AttachStdin: flags.interactive as boolean,
    Env: envList(flags),
    Labels: labels,
    ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
    ...(cmd.length ? { Cmd: cmd } : {}),
    ...(flags.entrypoint !== undefined ? { Entrypoint: flags.entrypoint === '' ? [] : [flags.entrypoint as string] } : {}),
    ...(flags.workdir ? { WorkingDir: flags.workdir as string } : {}),
    ...(flags.user !== undefined ? { User: flags.user as string } : {}),
    ...(flags.hostname ? { Hostname: flags.hostname as string } : {}),
    ...(flags['stop-signal'] ? { StopSignal: flags['stop-signal'] as string } : {}),
    ...(flags['stop-timeout'] !== undefined ? { StopTimeout: flags['stop-timeout'] as number } : {}),
    ...(healthcheck(flags) ? { Healthcheck: healthcheck(flags) } : {}),
  };
  const tmpfs: Record<string, string> = {};
  for (const t of flags.tmpfs as string[]) {
    const i = t.indexOf(':');
    tmpfs[i < 0 ? t : t.slice(0, i)] = i < 0 ? '' : t.slice(i + 1);
  }
  const ulimits = (flags.ulimit as string[]).map((u) => {
    const [name, v] = keyValue(u, '--ulimit');
    const [soft, hard = soft] = v.split(':');
    if (!/^-?\d+$/.test(soft) || !/^-?\d+$/.test(hard)) throw invalid(`invalid --ulimit "${u}"`);
    return { Name: name, Soft: Number(soft), Hard: Number(hard) };
  });
  const logOpts = Object.fromEntries((flags['log-opt'] as string[]).map((o) => keyValue(o, '--log-opt')));
  if (logOpts['max-size']) logOpts['max-size'] = String(parseSize(logOpts['max-size']));
  // none given: the engine's default (berth's k8s-file, rotated; a remote dockerd's own)
  const driver = (flags['log-driver'] as string | undefined) ?? '';
  if (driver && !['k8s-file', 'json-file', 'none'].includes(driver)) throw invalid(`unsupported log driver "${driver}" (k8s-file, json-file, none)`);
  const cdi = (flags.device as string[]).filter(isCdiName);
  const devices = (flags.device as string[])
    .filter((d) => !isCdiName(d))
    .map((d) => {
      const [host, inCtr, perms] = d.split(':');
      const access = inCtr && /^[rwm]+$/.test(inCtr) && perms === undefined ? inCtr : perms ?? 'rwm';
      const path = inCtr && !/^[rwm]+$/.test(inCtr) ? inCtr : host;
      return { PathOnHost: host, PathInContainer: path, CgroupPermissions: access };
    });
  const networks = [...(flags.network as string[]), ...(flags.net as string[])];
  if (networks.length > 1 && networks.some((n) => n === 'none' || n === 'host' || n.startsWith('container:'))) throw invalid('conflicting options: none, host and container: networks cannot be combined with others');
  const hostConfig: Partial<HostConfig> = {
    AutoRemove: flags.rm as boolean,
    ...(flags.sdnotify !== undefined ? { SdNotifyMode: sdNotifyMode(flags.sdnotify as string) } : {}),
    Privileged: flags.privileged as boolean,
    ReadonlyRootfs: flags['read-only'] as boolean,
    NetworkMode: networks[0] ?? 'default',
    ...(networks.length > 1 || (flags['network-alias'] as string[]).length || flags.ip || flags['mac-address']
      ? { Networks: (networks.length ? networks : ['bridge']).map((n, i) => ({ network: n, aliases: i === 0 ? (flags['network-alias'] as string[]) : [], ...(i === 0 && flags.ip ? { ip: flags.ip as string } : {}), ...(i === 0 && flags['mac-address'] ? { mac: macAddress(flags['mac-address'] as string) } : {}) })) }
      : {}),
    PortBindings: mergeBindings((flags.publish as string[]).map(parsePublish)),
    PublishAllPorts: flags['publish-all'] as boolean,
    Dns: flags.dns as string[],
    DnsSearch: flags['dns-search'] as string[],
    DnsOptions: flags['dns-option'] as string[],
    RestartPolicy: restartPolicy(flags.restart as string),
    Runtime: (flags.runtime as string | undefined) ?? '',
    CapAdd: flags['cap-add'] as string[],
    CapDrop: flags['cap-drop'] as string[],
    SecurityOpt: flags['security-opt'] as string[],
    Memory: flags.memory ? parseSize(flags.memory as string) : 0,
    MemorySwap: flags['memory-swap'] ? memorySwap(flags['memory-swap'] as string) : 0,
    NanoCpus: flags.cpus !== undefined ? nanoCpus(flags.cpus as string) : 0,
    CpuShares: (flags['cpu-shares'] as number | undefined) ?? 0,
    CpusetCpus: (flags['cpuset-cpus'] as string | undefined) ?? '',
    PidsLimit: (flags['pids-limit'] as number | undefined) ?? null,
    ShmSize: flags['shm-size'] ? parseSize(flags['shm-size'] as string) : 64 * 1024 * 1024,
    Ulimits: ulimits.length ? ulimits : null,
    Tmpfs: Object.keys(tmpfs).length ? tmpfs : null,
    Binds: (flags.volume as string[]).length ? (flags.volume as string[]) : null,
    Mounts: [...(flags.volume as string[]).map(parseVolumeSpec), ...(flags.mount as string[]).map(mountFlag)],
    ExtraHosts: (flags['add-host'] as string[]).length ? (flags['add-host'] as string[]) : null,
    LogConfig: { Type: driver, Config: logOpts },
    Devices: devices.length ? devices : null,
    DeviceRequests: cdi.length ? [{ Driver: 'cdi', DeviceIDs: cdi }] : null,
    UsernsMode: (flags.userns as string | undefined) ?? '',
    PidMode: (flags.pid as string | undefined) ?? '',
    IpcMode: (flags.ipc as string | undefined) ?? '',
    UTSMode: (flags.uts as string | undefined) ?? '',
    ...(flags.pod ? { Pod: flags.pod as string } : {}),
    Init: flags.init as boolean,
  };
  return { name: flags.name as string | undefined, image, config, hostConfig, pull, platform: flags.platform as string | undefined };
}

/** `run` and `create` pulling a missing image: docker's notice, then the progress, on stderr. */
export function pullFeedback(cli: Cli): PullFeedback {
  return (ref, missing) => {
    if (missing) cli.err(`Unable to find image '${ref}' locally\n`);
    return progressRenderer(cli.err, { tty: Boolean(process.stderr.isTTY), quiet: false });
  };
}
