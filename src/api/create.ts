// POST /containers/create: docker's body (Config + HostConfig + NetworkingConfig) checked and
// translated into the engine's CreateRequest, the same shapes the CLI builds from its flags.
import type { CreateRequest } from '../engine/containers.js';
import type { CtrConfig, HostConfig, Mount } from '../containers/model.js';
import type { HealthConfig } from '../images/manifest.js';
import { parseVolumeSpec } from '../engine/mounts.js';
import { invalid } from '../errors.js';

type Obj = Record<string, unknown>;

function obj(v: unknown, name: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`invalid ${name}: expected an object`);
  return v as Obj;
}

function str(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`invalid ${name}: expected a string`);
  return v;
}

function num(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`invalid ${name}: expected a number`);
  return v;
}

function bool(v: unknown, name: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`invalid ${name}: expected a boolean`);
  return v;
}

function strs(v: unknown, name: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(`invalid ${name}: expected an array of strings`);
  return v as string[];
}

/** docker's StrSlice: a string or an array of strings. */
function strSlice(v: unknown, name: string): string[] | undefined {
  if (typeof v === 'string') return [v];
  return strs(v, name);
}

function strMap(v: unknown, name: string): Record<string, string> | undefined {
  const o = obj(v, name);
  if (!o) return undefined;
  for (const [k, x] of Object.entries(o)) if (typeof x !== 'string') throw invalid(`invalid ${name}: value of "${k}" must be a string`);
  return o as Record<string, string>;
}

function objMap(v: unknown, name: string): Record<string, object> | undefined {
  const o = obj(v, name);
  if (!o) return undefined;
  const out: Record<string, object> = {};
  for (const k of Object.keys(o)) out[k] = {};
  return out;
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function healthcheck(v: unknown): HealthConfig | undefined {
  const h = obj(v, 'Healthcheck');
  if (!h) return undefined;
  return defined({
    Test: strs(h.Test, 'Healthcheck.Test'),
    Interval: num(h.Interval, 'Healthcheck.Interval'),
    Timeout: num(h.Timeout, 'Healthcheck.Timeout'),
    StartPeriod: num(h.StartPeriod, 'Healthcheck.StartPeriod'),
    Retries: num(h.Retries, 'Healthcheck.Retries'),
  }) as HealthConfig;
}

function mounts(v: unknown): Mount[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid('invalid HostConfig.Mounts: expected an array');
  return v.map((raw, i) => {
    const m = obj(raw, `HostConfig.Mounts[${i}]`)!;
    const type = str(m.Type, 'Mount.Type') ?? 'volume';
    const target = str(m.Target, 'Mount.Target');
    if (!target || !target.startsWith('/')) throw invalid(`invalid mount config: the target must be an absolute path: "${target ?? ''}"`);
    const source = str(m.Source, 'Mount.Source') ?? '';
    const ro = bool(m.ReadOnly, 'Mount.ReadOnly') ?? false;
    if (type === 'bind') {
      if (!source.startsWith('/')) throw invalid(`invalid mount config for type "bind": invalid mount path: '${source}' mount path must be absolute`);
      return { Type: 'bind', Source: source, Target: target, ReadOnly: ro };
    }
    if (type === 'volume') return { Type: 'volume', Source: source, Target: target, ReadOnly: ro };
    if (type === 'tmpfs') {
      const t = obj(m.TmpfsOptions, 'Mount.TmpfsOptions') ?? {};
      const opts: string[] = [];
      const size = num(t.SizeBytes, 'TmpfsOptions.SizeBytes');
      const mode = num(t.Mode, 'TmpfsOptions.Mode');
      if (size) opts.push(`size=${size}`);
      if (mode) opts.push(`mode=${mode.toString(8)}`);
      return { Type: 'tmpfs', Source: '', Target: target, ReadOnly: ro, Options: opts };
    }
    throw invalid(`mount type "${type}" is not supported (bind, volume, tmpfs)`);
  });
}

const RESTART = ['', 'no', 'always', 'unless-stopped', 'on-failure'];

export function createRequest(body: Obj, name: string | undefined, platform: string | undefined): CreateRequest {
  const image = str(body.Image, 'Image');
  if (!image) throw invalid('Config.Image is required');
  const config: Partial<CtrConfig> = defined({
    Hostname: str(body.Hostname, 'Hostname') || undefined,
    Domainname: str(body.Domainname, 'Domainname'),
    User: str(body.User, 'User'),
    AttachStdin: bool(body.AttachStdin, 'AttachStdin'),
    AttachStdout: bool(body.AttachStdout, 'AttachStdout'),
    AttachStderr: bool(body.AttachStderr, 'AttachStderr'),
    ExposedPorts: objMap(body.ExposedPorts, 'ExposedPorts'),
    Tty: bool(body.Tty, 'Tty'),
    OpenStdin: bool(body.OpenStdin, 'OpenStdin'),
    StdinOnce: bool(body.StdinOnce, 'StdinOnce'),
    Env: strs(body.Env, 'Env'),
    Cmd: strSlice(body.Cmd, 'Cmd'),
    Healthcheck: healthcheck(body.Healthcheck),
    Volumes: objMap(body.Volumes, 'Volumes'),
    WorkingDir: str(body.WorkingDir, 'WorkingDir') || undefined,
    // null keeps the image's; [] (or [""]) clears it, as docker does
    Entrypoint: body.Entrypoint === undefined || body.Entrypoint === null ? undefined : (strSlice(body.Entrypoint, 'Entrypoint') ?? []).filter((s, i, a) => !(a.length === 1 && s === '')),
    Labels: strMap(body.Labels, 'Labels'),
    StopSignal: str(body.StopSignal, 'StopSignal') || undefined,
    StopTimeout: num(body.StopTimeout, 'StopTimeout'),
  });
  for (const e of config.Env ?? []) if (!e || e.startsWith('=')) throw invalid(`invalid environment variable: "${e}"`);
  const hc = obj(body.HostConfig, 'HostConfig') ?? {};
  const binds = strs(hc.Binds, 'HostConfig.Binds') ?? [];
  const restart = obj(hc.RestartPolicy, 'HostConfig.RestartPolicy');
  const restartName = str(restart?.Name, 'RestartPolicy.Name') ?? 'no';
  if (!RESTART.includes(restartName)) throw invalid(`invalid restart policy "${restartName}"`);
  const log = obj(hc.LogConfig, 'HostConfig.LogConfig');
  // dockerd's default driver is json-file, and SDKs decide by its name whether logs can be
  // read back (docker-py's containers.run returns output only for json-file and journald):
  // berth's log file serves the logs endpoint either way.
  const logType = str(log?.Type, 'LogConfig.Type') || 'json-file';
  if (!['k8s-file', 'json-file', 'none'].includes(logType)) throw invalid(`unsupported log driver "${logType}" (k8s-file, json-file, none)`);
  const logOpts = strMap(log?.Config, 'LogConfig.Config') ?? {};
  const portBindings: HostConfig['PortBindings'] = {};
  for (const [port, list] of Object.entries(obj(hc.PortBindings, 'HostConfig.PortBindings') ?? {})) {
    if (list === null) continue;
    if (!Array.isArray(list)) throw invalid(`invalid HostConfig.PortBindings["${port}"]: expected an array`);
    if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(port)) throw invalid(`invalid port specification: "${port}"`);
    portBindings[port.includes('/') ? port : `${port}/tcp`] = list.map((b: unknown) => {
      const o = obj(b, 'PortBinding') ?? {};
      return { HostIp: str(o.HostIp, 'HostIp') ?? '', HostPort: str(o.HostPort, 'HostPort') ?? '' };
    });
  }
  const ulimits = hc.Ulimits === undefined || hc.Ulimits === null ? undefined : (Array.isArray(hc.Ulimits) ? hc.Ulimits : [null]).map((u) => {
    const o = obj(u, 'Ulimit');
    if (!o) throw invalid('invalid HostConfig.Ulimits');
    return { Name: str(o.Name, 'Ulimit.Name') ?? '', Soft: num(o.Soft, 'Ulimit.Soft') ?? 0, Hard: num(o.Hard, 'Ulimit.Hard') ?? 0 };
  });
  const devices = hc.Devices === undefined || hc.Devices === null ? undefined : (Array.isArray(hc.Devices) ? hc.Devices : [null]).map((d) => {
    const o = obj(d, 'Device');
    if (!o) throw invalid('invalid HostConfig.Devices');
    const host = str(o.PathOnHost, 'PathOnHost') ?? '';
    return { PathOnHost: host, PathInContainer: str(o.PathInContainer, 'PathInContainer') || host, CgroupPermissions: str(o.CgroupPermissions, 'CgroupPermissions') || 'rwm' };
  });
  const deviceRequests = Array.isArray(hc.DeviceRequests)
    ? hc.DeviceRequests.map((d) => ({ Driver: str(obj(d, 'DeviceRequest')?.Driver, 'Driver') ?? '', DeviceIDs: strs(obj(d, 'DeviceRequest')?.DeviceIDs, 'DeviceIDs') ?? [] }))
    : undefined;
  if (deviceRequests?.some((d) => d.Driver !== 'cdi')) throw invalid('only CDI device requests (Driver "cdi") are supported');
  let networkMode = str(hc.NetworkMode, 'HostConfig.NetworkMode') || 'default';
  if (networkMode === 'default') networkMode = 'bridge';
  const endpoints = obj(obj(body.NetworkingConfig, 'NetworkingConfig')?.EndpointsConfig, 'EndpointsConfig') ?? {};
  let networks: HostConfig['Networks'];
  const bridged = !['none', 'host'].includes(networkMode) && !networkMode.startsWith('container:');
  if (bridged) {
    const names = [networkMode, ...Object.keys(endpoints).filter((n) => n !== networkMode && n !== 'default')];
    const list = names.map((n) => {
      const ep = obj(endpoints[n] ?? (n === 'bridge' ? endpoints.default : undefined), `EndpointsConfig["${n}"]`) ?? {};
      const ipam = obj(ep.IPAMConfig, 'IPAMConfig');
      const ip = str(ipam?.IPv4Address, 'IPv4Address') || undefined;
      const mac = str(ep.MacAddress, 'MacAddress') || undefined;
      return { network: n, aliases: strs(ep.Aliases, 'Aliases') ?? [], ...(ip ? { ip } : {}), ...(mac ? { mac } : {}) };
    });
    if (list.length > 1 || list.some((a) => a.aliases.length || a.ip || a.mac)) networks = list;
  }
  const shm = num(hc.ShmSize, 'HostConfig.ShmSize');
  const pids = num(hc.PidsLimit, 'HostConfig.PidsLimit');
  const hostConfig: Partial<HostConfig> = defined({
    AutoRemove: bool(hc.AutoRemove, 'AutoRemove'),
    Privileged: bool(hc.Privileged, 'Privileged'),
    ReadonlyRootfs: bool(hc.ReadonlyRootfs, 'ReadonlyRootfs'),
    NetworkMode: networkMode,
    Networks: networks,
    RestartPolicy: { Name: (restartName || 'no') as HostConfig['RestartPolicy']['Name'], MaximumRetryCount: num(restart?.MaximumRetryCount, 'MaximumRetryCount') ?? 0 },
    Runtime: str(hc.Runtime, 'Runtime'),
    CapAdd: strs(hc.CapAdd, 'CapAdd'),
    CapDrop: strs(hc.CapDrop, 'CapDrop'),
    SecurityOpt: strs(hc.SecurityOpt, 'SecurityOpt'),
    Init: bool(hc.Init, 'Init'),
    Memory: num(hc.Memory, 'Memory'),
    MemorySwap: num(hc.MemorySwap, 'MemorySwap'),
    NanoCpus: num(hc.NanoCpus, 'NanoCpus'),
    CpuShares: num(hc.CpuShares, 'CpuShares'),
    CpusetCpus: str(hc.CpusetCpus, 'CpusetCpus'),
    PidsLimit: pids === undefined || pids === 0 ? undefined : pids,
    ShmSize: shm ? shm : undefined,
    Ulimits: ulimits?.length ? ulimits : undefined,
    Tmpfs: strMap(hc.Tmpfs, 'Tmpfs'),
    Binds: binds.length ? binds : undefined,
    Mounts: [...binds.map(parseVolumeSpec), ...mounts(hc.Mounts)],
    ExtraHosts: strs(hc.ExtraHosts, 'ExtraHosts'),
    LogConfig: { Type: logType, Config: logOpts },
    Devices: devices?.length ? devices : undefined,
    DeviceRequests: deviceRequests?.length ? deviceRequests : undefined,
    PortBindings: portBindings,
    PublishAllPorts: bool(hc.PublishAllPorts, 'PublishAllPorts'),
    Dns: strs(hc.Dns, 'Dns'),
    DnsSearch: strs(hc.DnsSearch, 'DnsSearch'),
    DnsOptions: strs(hc.DnsOptions, 'DnsOptions'),
    UsernsMode: str(hc.UsernsMode, 'UsernsMode'),
    PidMode: str(hc.PidMode, 'PidMode'),
    IpcMode: str(hc.IpcMode, 'IpcMode'),
    UTSMode: str(hc.UTSMode, 'UTSMode'),
  });
  return { name: name || undefined, image, config, hostConfig, platform: platform || undefined };
}

/**
 * The other way: a CreateRequest (as the CLI builds it from its flags) as docker's body, for a
 * remote engine. -v specs travel as Binds, the rest of the mounts as docker's Mount objects.
 */
export function createBody(req: CreateRequest): Obj {
  const { Mounts = [], Binds, Networks, Pod, SdNotifyMode, ...hostConfig } = req.hostConfig;
  if (Pod) throw invalid('pods are not part of the Docker Engine API: create the container on the engine\'s host');
  void SdNotifyMode;
  const mounts = Mounts.slice(Binds?.length ?? 0).map((m) => {
    if (m.Type !== 'tmpfs') return { Type: m.Type, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly };
    const opt = (k: string) => m.Options?.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
    const size = opt('size');
    const mode = opt('mode');
    return { Type: 'tmpfs', Target: m.Target, ReadOnly: m.ReadOnly, TmpfsOptions: { ...(size && /^\d+$/.test(size) ? { SizeBytes: Number(size) } : {}), ...(mode ? { Mode: parseInt(mode, 8) } : {}) } };
  });
  const endpoints: Obj = {};
  for (const n of Networks ?? []) endpoints[n.network] = { Aliases: n.aliases, ...(n.ip ? { IPAMConfig: { IPv4Address: n.ip } } : {}), ...(n.mac ? { MacAddress: n.mac } : {}) };
  return {
    ...req.config,
    Image: req.image,
    HostConfig: { ...hostConfig, ...(Binds ? { Binds } : {}), Mounts: mounts },
    ...(Networks?.length ? { NetworkingConfig: { EndpointsConfig: endpoints } } : {}),
  };
}
