// docker's list shapes (ContainerSummary, ImageSummary, Volume) from engine records.
import type { EngineContext } from '../engine/context.js';
import type { ContainerRecord } from '../containers/model.js';
import { commandLine, containerJson, endpointsOf, statusText } from '../engine/container-view.js';
import { familiarTagged, type ImageSummary } from '../engine/images.js';
import { familiarName } from '../images/reference.js';
import type { Volume } from '../volumes/volumes.js';
import type { ContainerService } from '../engine/containers.js';

export function containerSummary(_engine: EngineContext, c: ContainerRecord): Record<string, unknown> {
  const running = c.state.Running;
  const ports: Array<Record<string, unknown>> = [];
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

export function containerInspect(engine: EngineContext, svc: ContainerService, c: ContainerRecord): Record<string, unknown> {
  const v = containerJson(engine, svc, c);
  // a k8s-file log (the CLI's default) is read back as a json-file one is: SDKs know that name
  const hc = v.HostConfig as { LogConfig?: { Type: string; Config: Record<string, string> } };
  if (hc.LogConfig?.Type === 'k8s-file') v.HostConfig = { ...hc, LogConfig: { ...hc.LogConfig, Type: 'json-file' } };
  return v;
}

export function imageSummary(i: ImageSummary, containers = -1): Record<string, unknown> {
  return {
    Id: i.id,
    ParentId: i.record.parent ?? '',
    RepoTags: i.repoTags.map(familiarTagged),
    RepoDigests: i.record.digests.map((d) => `${familiarName(d.repo)}@${d.digest}`),
    Created: Math.floor(i.created / 1000),
    Size: i.size,
    SharedSize: -1,
    VirtualSize: i.size,
    Labels: i.labels,
    Containers: containers,
  };
}

export function volumeView(v: Volume, usage?: { size: number; refs: number }): Record<string, unknown> {
  const { Anonymous: _a, Populated: _p, ...rest } = v;
  return { ...rest, ...(usage ? { UsageData: { Size: usage.size, RefCount: usage.refs } } : {}) };
}
