// How containers look from outside: docker's inspect JSON and the fields of `ps` rows.
// One place for both doors (CLI and API).
import type { ContainerRecord } from '../containers/model.js';
import type { ContainerSummary } from '../backend/backend.js';
import type { ContainerPaths } from '../containers/paths.js';
import type { EngineContext } from './context.js';
import type { ContainerService } from './containers.js';
import type { ImageConfig } from '../images/manifest.js';
import { chainIds } from '../storage/snapshots.js';
import { humanDuration } from '../util/units.js';

export function commandLine(c: ContainerRecord): string {
  return [...(c.config.Entrypoint ?? []), ...(c.config.Cmd ?? [])].join(' ');
}

/** docker's STATUS column: "Up 3 minutes", "Exited (0) 2 seconds ago", "Created". */
export function statusText(c: ContainerRecord, now = Date.now()): string {
  const s = c.state;
  const since = (t: string) => humanDuration(Math.max(0, now - Date.parse(t)));
  if (s.Restarting) return `Restarting (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
  if (s.Running) {
    const health = s.Health ? (s.Health.Status === 'starting' ? ' (health: starting)' : ` (${s.Health.Status})`) : '';
    return `Up ${since(s.StartedAt)}${s.Paused ? ' (Paused)' : health}`;
  }
  if (s.Status === 'created') return 'Created';
  if (s.Status === 'dead') return 'Dead';
  return `Exited (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
}

type EndpointView = NonNullable<ContainerRecord['state']['Networks']>[string];

/**
 * The container's endpoints by network: what it has while it runs, what it will join (no
 * addresses yet) while it does not, as docker shows a created or stopped container (clients
 * such as docker-compose read these to decide between connect and disconnect).
 */
export function endpointsOf(c: ContainerRecord): Record<string, EndpointView> {
  if (c.state.Running) return c.state.Networks ?? {};
  const out: Record<string, EndpointView> = {};
  const mode = c.hostConfig.NetworkMode;
  const joins = c.hostConfig.Networks ?? (['none', 'host', ''].includes(mode) || mode.startsWith('container:') ? [] : [{ network: mode, aliases: [] as string[], mac: undefined }]);
  for (const a of joins) out[a.network] = { IPAddress: '', Gateway: '', IPPrefixLen: 0, MacAddress: a.mac ?? '', NetworkID: '', Aliases: a.aliases };
  return out;
}

function networkSettings(c: ContainerRecord): Record<string, unknown> {
  const running = c.state.Running;
  const ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  for (const k of Object.keys(c.config.ExposedPorts ?? {})) ports[k] = null;
  if (running) for (const p of c.state.Ports ?? []) (ports[`${p.container_port}/${p.protocol}`] ??= []).push({ HostIp: p.host_ip || '0.0.0.0', HostPort: String(p.host_port) });
  const nets: Record<string, unknown> = {};
  const mode = c.hostConfig.NetworkMode;
  if (mode === 'none' || mode === 'host') nets[mode] = {};
  for (const [name, n] of Object.entries(endpointsOf(c))) {
    nets[name] = { Aliases: n.Aliases, NetworkID: n.NetworkID, EndpointID: '', Gateway: n.Gateway, IPAddress: n.IPAddress, IPPrefixLen: n.IPPrefixLen, IPv6Gateway: n.IPv6Gateway ?? '', GlobalIPv6Address: n.GlobalIPv6Address ?? '', GlobalIPv6PrefixLen: n.GlobalIPv6PrefixLen ?? 0, MacAddress: n.MacAddress };
  }
  const main = running ? Object.values(c.state.Networks ?? {})[0] : undefined;
  return { Bridge: '', SandboxID: '', SandboxKey: running && main ? `/run/netns/berth-${c.id.slice(0, 12)}` : '', Ports: ports, Gateway: main?.Gateway ?? '', IPAddress: main?.IPAddress ?? '', IPPrefixLen: main?.IPPrefixLen ?? 0, MacAddress: main?.MacAddress ?? '', Networks: nets };
}

export function inspectContainer(c: ContainerRecord, p: ContainerPaths, lowerDirs: string[]): Record<string, unknown> {
  const { MonitorPid: _m, ManuallyStopped: _s, HealthPid: _h, RunId: _r, Ports: _p, Networks: _n, ...state } = c.state;
  const args = [...(c.config.Entrypoint ?? []), ...(c.config.Cmd ?? [])];
  return {
    Id: c.id,
    Created: c.created,
    Path: args[0] ?? '',
    Args: args.slice(1),
    State: state,
    Image: c.imageId,
    ResolvConfPath: p.resolvConf,
    HostnamePath: p.hostname,
    HostsPath: p.hosts,
    LogPath: p.log,
    Name: `/${c.name}`,
    RestartCount: c.restartCount,
    Driver: 'overlay',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: c.hostConfig,
    GraphDriver: { Data: { LowerDir: lowerDirs.join(':'), MergedDir: p.rootfs, UpperDir: p.upper, WorkDir: p.work }, Name: 'overlay' },
    Mounts: (c.hostConfig.Mounts ?? []).map((m) => ({ Type: m.Type, Source: m.Source, Destination: m.Target, Mode: m.ReadOnly ? 'ro' : '', RW: !m.ReadOnly, Propagation: m.Type === 'bind' ? 'rprivate' : '' })),
    Config: c.config,
    NetworkSettings: networkSettings(c),
  };
}

/** docker's inspect JSON for a container, with its image's snapshots as the overlay's lower dirs. */
export function containerJson(engine: EngineContext, svc: ContainerService, c: ContainerRecord): Record<string, unknown> {
  const img = engine.images.get(c.imageId);
  const chains = img ? chainIds((JSON.parse(img.config) as ImageConfig).rootfs?.diff_ids ?? []) : [];
  return inspectContainer(c, svc.paths(c.id), chains.map((ch) => engine.snapshots.diffPath(ch)).reverse());
}

/** docker's ContainerSummary (GET /containers/json, and what `ps` prints from). */
export function containerSummary(c: ContainerRecord): ContainerSummary {
  const running = c.state.Running;
  const ports: ContainerSummary['Ports'] = [];
  if (running) for (const p of c.state.Ports ?? []) ports.push({ IP: p.host_ip || '0.0.0.0', PrivatePort: p.container_port, PublicPort: p.host_port, Type: p.protocol });
  for (const k of Object.keys(c.config.ExposedPorts ?? {})) {
    const [port, proto = 'tcp'] = k.split('/');
    if (!ports.some((p) => p.PrivatePort === Number(port) && p.Type === proto)) ports.push({ PrivatePort: Number(port), Type: proto });
  }
  const networks: Record<string, unknown> = {};
  for (const [name, n] of Object.entries(endpointsOf(c))) {
    networks[name] = { IPAMConfig: null, Links: null, Aliases: n.Aliases, NetworkID: n.NetworkID, EndpointID: '', Gateway: n.Gateway, IPAddress: n.IPAddress, IPPrefixLen: n.IPPrefixLen, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: n.MacAddress, DriverOpts: null };
  }
  return {
    Id: c.id,
    Names: [`/${c.name}`],
    Image: c.image,
    ImageID: c.imageId,
    Command: commandLine(c),
    Created: Math.floor(Date.parse(c.created) / 1000),
    Ports: ports,
    Labels: c.config.Labels ?? {},
    State: c.state.Status,
    Status: statusText(c),
    HostConfig: { NetworkMode: c.hostConfig.NetworkMode },
    NetworkSettings: { Networks: networks },
    Mounts: (c.hostConfig.Mounts ?? []).map((m) => ({ Type: m.Type, ...(m.Type === 'volume' ? { Name: m.Source, Driver: 'local' } : {}), Source: m.Source, Destination: m.Target, Mode: m.ReadOnly ? 'ro' : '', RW: !m.ReadOnly, Propagation: m.Type === 'bind' ? 'rprivate' : '' })),
  };
}
