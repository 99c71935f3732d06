// Volumes as the CLI sees them, in the Engine API's shapes (GET /volumes, /volumes/{name}).
// Local (backend/local/volumes.ts) asks the engine's VolumeService; remote
// (backend/remote/volumes.ts) asks /volumes/... of a berth service or dockerd.
import type { Json } from './backend.js';

/** docker's Volume, with the fields the CLI reads typed. */
export interface VolumeInspect extends Json {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt?: string;
  Labels: Record<string, string> | null;
  Options?: Record<string, string> | null;
  Scope: string;
}

export interface VolumeCreateOptions {
  /** none: a generated one */
  name?: string;
  driver?: string;
  labels?: Record<string, string>;
  /** the driver's options (docker's DriverOpts) */
  options?: Record<string, string>;
}

export interface VolumeBackend {
  /** docker's --filter key=value, as given */
  list(filters?: string[]): Promise<VolumeInspect[]>;
  inspect(name: string): Promise<VolumeInspect>;
  create(o: VolumeCreateOptions): Promise<VolumeInspect>;
  remove(name: string, force?: boolean): Promise<void>;
  /** unused volumes: anonymous ones, or all with `all` */
  prune(o: { all?: boolean; filters?: string[] }): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }>;
}
