// The volume half of the local backend: the engine's VolumeService in this process, its
// volumes shown as the API shows them (api/views.ts volumeView).
import type { VolumeBackend, VolumeCreateOptions, VolumeInspect } from '../volumes.js';
import type { EngineContext } from '../../engine/context.js';
import { VolumeService } from '../../engine/volumes.js';
import { volumeView } from '../../api/views.js';

export class LocalVolumes implements VolumeBackend {
  private readonly svc: VolumeService;

  constructor(ctx: EngineContext) {
    this.svc = new VolumeService(ctx);
  }

  async list(filters: string[] = []): Promise<VolumeInspect[]> {
    return this.svc.list(filters).map((v) => volumeView(v) as VolumeInspect);
  }

  async inspect(name: string): Promise<VolumeInspect> {
    return volumeView(this.svc.store.inspect(name)) as VolumeInspect;
  }

  async create(o: VolumeCreateOptions): Promise<VolumeInspect> {
    return volumeView(this.svc.create(o)) as VolumeInspect;
  }

  remove(name: string, force = false): Promise<void> {
    return this.svc.remove(name, force);
  }

  async prune(o: { all?: boolean; filters?: string[] }): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    return { VolumesDeleted: await this.svc.prune({ all: Boolean(o.all), filters: o.filters ?? [] }), SpaceReclaimed: 0 };
  }
}
