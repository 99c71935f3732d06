// Unit sources read from the store: a container record (and, for --new, how to make it again).
import type { EngineContext } from '../engine/context.js';
import { ContainerService } from '../engine/containers.js';
import { VolumeService } from '../engine/volumes.js';
import type { ImageConfig } from '../images/manifest.js';
import { defaultRuntime } from '../platform/runtimes.js';
import type { ContainerUnitSource, PodUnitSource } from './generate.js';
import { conmonPidFile } from './install.js';
import { recreateRun } from './recreate.js';

export async function containerSource(ctx: EngineContext, nameOrId: string): Promise<ContainerUnitSource> {
  const c = await new ContainerService(ctx).get(nameOrId);
  const image = ctx.images.get(c.imageId);
  const volumes = new VolumeService(ctx).store;
  const recreate = recreateRun(c, {
    image: image ? (JSON.parse(image.config) as ImageConfig).config ?? {} : undefined,
    anonymousVolume: (name) => Boolean(volumes.get(name)?.Anonymous),
    defaultRuntime: defaultRuntime(ctx.config),
  });
  return {
    kind: 'container',
    id: c.id,
    name: c.name,
    ...(c.config.StopTimeout !== undefined ? { stopTimeout: c.config.StopTimeout } : {}),
    restartPolicy: c.hostConfig.RestartPolicy,
    ...(c.hostConfig.SdNotifyMode ? { sdNotify: c.hostConfig.SdNotifyMode } : {}),
    conmonPidFile: conmonPidFile(ctx.config, c.id),
    recreate,
  };
}

/** A pod: its infra container and its members, in creation order. */
export async function podSource(ctx: EngineContext, nameOrId: string): Promise<PodUnitSource> {
  const { PodService } = await import('../engine/pods.js');
  const pods = new PodService(ctx);
  const pod = pods.resolve(nameOrId);
  const members = pods.members(pod);
  const infra = members.find((c) => c.id === pod.infra_id);
  if (!infra) throw new Error(`pod ${pod.name} has no infra container`);
  return {
    kind: 'pod',
    id: pod.id,
    name: pod.name,
    infra: await containerSource(ctx, infra.id),
    members: await Promise.all(members.filter((c) => c.id !== infra.id).map((c) => containerSource(ctx, c.id))),
  };
}
