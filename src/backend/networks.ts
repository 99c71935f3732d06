// Networks as the CLI sees them, in the Engine API's shapes (GET /networks, /networks/{id}).
// Local (backend/local/networks.ts) asks the engine's NetworkService; remote
// (backend/remote/networks.ts) asks /networks/... of a berth service or dockerd.
import type { NetworkCreateOptions } from '../engine/networks.js';
import type { Json } from './backend.js';

export type { NetworkCreateOptions };

/** GET /networks/{id}, with the fields the CLI reads typed. */
export interface NetworkInspect extends Json {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv6: boolean;
  Internal: boolean;
  Labels: Record<string, string> | null;
}

export interface NetworkBackend {
  /** docker's --filter key=value, as given */
  list(filters?: string[]): Promise<NetworkInspect[]>;
  inspect(nameOrId: string): Promise<NetworkInspect>;
  /** the new network's id */
  create(o: NetworkCreateOptions): Promise<string>;
  remove(nameOrId: string): Promise<void>;
  /** the names of the networks removed */
  prune(filters?: string[]): Promise<string[]>;
  connect(network: string, container: string, o: { aliases?: string[]; ip?: string }): Promise<void>;
  disconnect(network: string, container: string, o: { force?: boolean }): Promise<void>;
}
