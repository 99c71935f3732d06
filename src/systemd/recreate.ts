// The `berth run` flags that make a container like an existing one again, read back from its
// record (docker's Config and HostConfig shapes) less what its image gives anyway: what
// `generate systemd --new` puts in ExecStart. The record holds what was asked for, not the
// command line, so this works for containers made through the Engine API too.
import type { ContainerRecord, Mount } from '../containers/model.js';
import type { ContainerConfig } from '../images/manifest.js';

export interface RecreateContext {
  /** the image's config (undefined when the image is gone: then everything in the record is kept) */
  image?: ContainerConfig;
  /** whether a named volume is anonymous (made for `-v /path` or an image VOLUME) */
  anonymousVolume(name: string): boolean;
  /** the runtime a container gets when none is asked for */
  defaultRuntime?: string | null;
}

export interface RecreatedRun {
  /** flags for `berth run`, before the image */
  flags: string[];
  image: string;
  /** the command after the image */
  args: string[];
}

const DEFAULT_SHM = 64 * 1024 * 1024;
const DEFAULT_NETWORK = 'bridge';

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Go-style duration from nanoseconds (what the health flags take). */
function duration(ns: number): string {
  if (ns % 1e9 === 0) return `${ns / 1e9}s`;
  if (ns % 1e6 === 0) return `${ns / 1e6}ms`;
  return `${ns}ns`;
}

/** A command's words as one shell string (for --health-cmd, which takes a shell command). */
function shellJoin(words: string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function mountFlags(m: Mount, ctx: RecreateContext, imageVolumes: Record<string, object>): string[] {
  const ro = m.ReadOnly ? ':ro' : '';
  if (m.Type === 'bind') return ['-v', `${m.Source}:${m.Target}${ro}`];
  if (m.Type === 'tmpfs') {
    const opts = (m.Options ?? []).map((o) => o.replace(/^size=/, 'tmpfs-size=').replace(/^mode=/, 'tmpfs-mode='));
    return ['--mount', ['type=tmpfs', `target=${m.Target}`, ...(m.ReadOnly ? ['readonly'] : []), ...opts].join(',')];
  }
  if (ctx.anonymousVolume(m.Source)) {
    // The image's VOLUMEs get a fresh anonymous volume anyway; other anonymous ones were `-v /path`.
    if (m.Target in imageVolumes && !m.ReadOnly) return [];
    return m.ReadOnly ? ['--mount', `type=volume,target=${m.Target},readonly`] : ['-v', m.Target];
  }
  return ['-v', `${m.Source}:${m.Target}${ro}`];
}

export function recreateRun(c: ContainerRecord, ctx: RecreateContext): RecreatedRun {
  const img = ctx.image ?? {};
  const cfg = c.config;
  // Namespace and pod fields are read loosely: they are newer than this module's first version.
  const hc = c.hostConfig as ContainerRecord['hostConfig'] & { PidMode?: string; IpcMode?: string; UTSMode?: string; Pod?: string };
  const f: string[] = [];
  const add = (...xs: string[]) => f.push(...xs);

  add('--name', c.name);
  if (cfg.Hostname && cfg.Hostname !== c.id.slice(0, 12)) add('--hostname', cfg.Hostname);
  if (cfg.User && cfg.User !== (img.User ?? '')) add('--user', cfg.User);
  if (cfg.WorkingDir && cfg.WorkingDir !== (img.WorkingDir ?? '')) add('--workdir', cfg.WorkingDir);
  if (cfg.OpenStdin) add('--interactive');
  if (cfg.Tty) add('--tty');
  const imageEnv = new Set(img.Env ?? []);
  for (const e of cfg.Env ?? []) if (!imageEnv.has(e)) add('--env', e);
  for (const [k, v] of Object.entries(cfg.Labels ?? {})) if (img.Labels?.[k] !== v) add('--label', v === '' ? k : `${k}=${v}`);
  for (const p of Object.keys(cfg.ExposedPorts ?? {})) if (!(p in (img.ExposedPorts ?? {}))) add('--expose', p);
  if (cfg.StopSignal && cfg.StopSignal !== img.StopSignal) add('--stop-signal', cfg.StopSignal);
  if (cfg.StopTimeout !== undefined) add('--stop-timeout', String(cfg.StopTimeout));
  const hc0 = cfg.Healthcheck;
  if (hc0 && !same(hc0, img.Healthcheck)) {
    if (hc0.Test?.[0] === 'NONE') add('--no-healthcheck');
    else {
      if (hc0.Test?.[0] === 'CMD-SHELL') add('--health-cmd', hc0.Test[1] ?? '');
      else if (hc0.Test?.[0] === 'CMD') add('--health-cmd', shellJoin(hc0.Test.slice(1)));
      if (hc0.Interval) add('--health-interval', duration(hc0.Interval));
      if (hc0.Timeout) add('--health-timeout', duration(hc0.Timeout));
      if (hc0.StartPeriod) add('--health-start-period', duration(hc0.StartPeriod));
      if (hc0.Retries) add('--health-retries', String(hc0.Retries));
    }
  }

  // Entrypoint and command: --entrypoint takes one word, so the rest of a longer entrypoint
  // goes before the command (the process's argv is the same).
  let args: string[] = [];
  const ep = cfg.Entrypoint ?? null;
  const cmd = cfg.Cmd ?? [];
  if (!same(ep, img.Entrypoint ?? null)) {
    if (!ep || ep.length === 0) add('--entrypoint', '');
    else add('--entrypoint', ep[0]);
    args = [...(ep?.slice(1) ?? []), ...cmd];
  } else if (!same(cmd, img.Cmd ?? [])) args = [...cmd];

  // Host side.
  if (hc.AutoRemove) add('--rm');
  if (hc.Privileged) add('--privileged');
  if (hc.ReadonlyRootfs) add('--read-only');
  if (hc.Init) add('--init');
  if (hc.Pod) add('--pod', hc.Pod);
  const mode = hc.NetworkMode;
  if (mode === 'none' || mode === 'host' || mode.startsWith('container:')) add('--network', mode);
  else if (!hc.Pod) {
    const nets = hc.Networks ?? [{ network: mode, aliases: [] }];
    const plain = nets.length === 1 && nets[0].network === DEFAULT_NETWORK && !nets[0].aliases.length && !nets[0].ip && !nets[0].mac;
    if (!plain) {
      for (const n of nets) add('--network', n.network);
      for (const a of nets[0]?.aliases ?? []) add('--network-alias', a);
      if (nets[0]?.ip) add('--ip', nets[0].ip);
      if (nets[0]?.mac) add('--mac-address', nets[0].mac);
    }
  }
  if (hc.PublishAllPorts) add('--publish-all');
  for (const [port, bindings] of Object.entries(hc.PortBindings ?? {})) {
    const [num, proto = 'tcp'] = port.split('/');
    const suffix = proto === 'tcp' ? '' : `/${proto}`;
    for (const b of bindings) {
      // -P added an empty binding for each exposed port: --publish-all makes it again.
      if (hc.PublishAllPorts && !b.HostIp && !b.HostPort) continue;
      const ip = b.HostIp ? (b.HostIp.includes(':') ? `[${b.HostIp}]:` : `${b.HostIp}:`) : '';
      add('--publish', b.HostPort ? `${ip}${b.HostPort}:${num}${suffix}` : ip ? `${ip}:${num}${suffix}` : `${num}${suffix}`);
    }
  }
  for (const d of hc.Dns ?? []) add('--dns', d);
  for (const d of hc.DnsSearch ?? []) add('--dns-search', d);
  for (const d of hc.DnsOptions ?? []) add('--dns-option', d);
  for (const h of hc.ExtraHosts ?? []) add('--add-host', h);
  if (hc.Runtime && hc.Runtime !== ctx.defaultRuntime) add('--runtime', hc.Runtime);
  for (const cap of hc.CapAdd ?? []) add('--cap-add', cap);
  for (const cap of hc.CapDrop ?? []) add('--cap-drop', cap);
  for (const o of hc.SecurityOpt ?? []) add('--security-opt', o);
  if (hc.Memory) add('--memory', `${hc.Memory}b`);
  if (hc.MemorySwap) add('--memory-swap', hc.MemorySwap === -1 ? '-1' : `${hc.MemorySwap}b`);
  if (hc.NanoCpus) add('--cpus', String(hc.NanoCpus / 1e9));
  if (hc.CpuShares) add('--cpu-shares', String(hc.CpuShares));
  if (hc.CpusetCpus) add('--cpuset-cpus', hc.CpusetCpus);
  if (hc.PidsLimit !== null && hc.PidsLimit !== undefined && hc.PidsLimit !== 0) add('--pids-limit', String(hc.PidsLimit));
  if (hc.ShmSize && hc.ShmSize !== DEFAULT_SHM) add('--shm-size', `${hc.ShmSize}b`);
  for (const u of hc.Ulimits ?? []) add('--ulimit', `${u.Name}=${u.Soft}:${u.Hard}`);
  for (const [path, opts] of Object.entries(hc.Tmpfs ?? {})) add('--tmpfs', opts ? `${path}:${opts}` : path);
  const imageVolumes = img.Volumes ?? {};
  for (const m of hc.Mounts ?? []) add(...mountFlags(m, ctx, imageVolumes));
  const log = hc.LogConfig;
  if (log && log.Type && log.Type !== 'k8s-file') add('--log-driver', log.Type);
  for (const [k, v] of Object.entries(log?.Config ?? {})) add('--log-opt', `${k}=${v}`);
  for (const d of hc.Devices ?? []) add('--device', `${d.PathOnHost}:${d.PathInContainer}:${d.CgroupPermissions}`);
  for (const r of hc.DeviceRequests ?? []) if (r.Driver === 'cdi') for (const id of r.DeviceIDs) add('--device', id);
  if (hc.UsernsMode) add('--userns', hc.UsernsMode);
  if (hc.PidMode) add('--pid', hc.PidMode);
  if (hc.IpcMode && !hc.Pod) add('--ipc', hc.IpcMode);
  if (hc.UTSMode && !hc.Pod) add('--uts', hc.UTSMode);
  return { flags: f, image: c.image, args };
}
