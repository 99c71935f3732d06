// docker's shapes for the API alone (inspect as SDKs read it, ImageSummary, Volume) from engine records.
import type { EngineContext } from '../engine/context.js';
import type { ContainerRecord } from '../containers/model.js';
import { containerJson } from '../engine/container-view.js';
import { familiarTagged, type ImageSummary } from '../engine/images.js';
import { familiarName } from '../images/reference.js';
import type { Volume } from '../volumes/volumes.js';
import type { ContainerService } from '../engine/containers.js';

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
