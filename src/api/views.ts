// docker's shapes for the API alone (inspect as SDKs read it, Volume) from engine records.
import type { EngineContext } from '../engine/context.js';
import type { ContainerRecord } from '../containers/model.js';
import { containerJson } from '../engine/container-view.js';
import type { Volume } from '../volumes/volumes.js';
import type { ContainerService } from '../engine/containers.js';

export function containerInspect(engine: EngineContext, svc: ContainerService, c: ContainerRecord): Record<string, unknown> {
  const v = containerJson(engine, svc, c);
  // a k8s-file log (the CLI's default) is read back as a json-file one is: SDKs know that name
  const hc = v.HostConfig as { LogConfig?: { Type: string; Config: Record<string, string> } };
  if (hc.LogConfig?.Type === 'k8s-file') v.HostConfig = { ...hc, LogConfig: { ...hc.LogConfig, Type: 'json-file' } };
  return v;
}

export function volumeView(v: Volume, usage?: { size: number; refs: number }): Record<string, unknown> {
  const { Anonymous: _a, Populated: _p, ...rest } = v;
  return { ...rest, ...(usage ? { UsageData: { Size: usage.size, RefCount: usage.refs } } : {}) };
}
