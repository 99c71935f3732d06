// The volume half of the remote backend: /volumes/... as the docker CLI asks dockerd.
import type { VolumeBackend, VolumeCreateOptions, VolumeInspect } from '../volumes.js';
import { volumeCreateBody } from '../../api/bodies.js';
import type { ApiClient } from './client.js';
import { filtersQuery } from './containers.js';

const path = (name: string) => `/volumes/${encodeURIComponent(name)}`;

export class RemoteVolumes implements VolumeBackend {
  constructor(private readonly api: ApiClient) {}

  private async apiAtLeast(major: number, minor: number): Promise<boolean> {
    const { ApiVersion } = await this.api.call<{ ApiVersion?: string }>('GET', '/version');
    const [a, b] = (ApiVersion ?? '').split('.').map(Number);
    return a > major || (a === major && b >= minor);
  }

  async list(filters?: string[]): Promise<VolumeInspect[]> {
    return (await this.api.call<{ Volumes: VolumeInspect[] | null }>('GET', '/volumes', { query: { filters: filtersQuery(filters) } })).Volumes ?? [];
  }

  inspect(name: string): Promise<VolumeInspect> {
    return this.api.call('GET', path(name));
  }

  create(o: VolumeCreateOptions): Promise<VolumeInspect> {
    return this.api.call('POST', '/volumes/create', { body: volumeCreateBody(o) });
  }

  async remove(name: string, force = false): Promise<void> {
    await this.api.call('DELETE', path(name), { query: { force: force || undefined } });
  }

  async prune(o: { all?: boolean; filters?: string[] }): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    // docker's CLI asks for all volumes with the filter all=true; before API 1.42 there is no
    // such filter, and an engine removes every unused volume, named or not
    const filters = [...(o.filters ?? []), ...(o.all && (await this.apiAtLeast(1, 42)) ? ['all=true'] : [])];
    const r = await this.api.call<{ VolumesDeleted: string[] | null; SpaceReclaimed?: number }>('POST', '/volumes/prune', { query: { filters: filtersQuery(filters) } });
    return { VolumesDeleted: r.VolumesDeleted ?? [], SpaceReclaimed: r.SpaceReclaimed ?? 0 };
  }
}
