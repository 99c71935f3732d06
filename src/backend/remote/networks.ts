// The network half of the remote backend: /networks/... as the docker CLI asks dockerd.
import type { NetworkBackend, NetworkCreateOptions, NetworkInspect } from '../networks.js';
import { networkCreateBody } from '../../api/bodies.js';
import type { ApiClient } from './client.js';
import { filtersQuery } from './containers.js';

const path = (name: string, what = '') => `/networks/${encodeURIComponent(name)}${what}`;

export class RemoteNetworks implements NetworkBackend {
  constructor(private readonly api: ApiClient) {}

  list(filters?: string[]): Promise<NetworkInspect[]> {
    return this.api.call('GET', '/networks', { query: { filters: filtersQuery(filters) } });
  }

  inspect(nameOrId: string): Promise<NetworkInspect> {
    return this.api.call('GET', path(nameOrId));
  }

  async create(o: NetworkCreateOptions): Promise<string> {
    return (await this.api.call<{ Id: string }>('POST', '/networks/create', { body: networkCreateBody(o) })).Id;
  }

  async remove(nameOrId: string): Promise<void> {
    await this.api.call('DELETE', path(nameOrId));
  }

  async prune(filters?: string[]): Promise<string[]> {
    return (await this.api.call<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune', { query: { filters: filtersQuery(filters) } })).NetworksDeleted ?? [];
  }

  async connect(network: string, container: string, o: { aliases?: string[]; ip?: string }): Promise<void> {
    const EndpointConfig = { ...(o.aliases?.length ? { Aliases: o.aliases } : {}), ...(o.ip ? { IPAMConfig: { IPv4Address: o.ip } } : {}) };
    await this.api.call('POST', path(network, '/connect'), { body: { Container: container, EndpointConfig } });
  }

  async disconnect(network: string, container: string, o: { force?: boolean }): Promise<void> {
    await this.api.call('POST', path(network, '/disconnect'), { body: { Container: container, Force: Boolean(o.force) } });
  }
}
