// The remote backend: a berth service or dockerd, over the Docker Engine API.
import type { Backend, Json, SystemBackend, VersionReport } from '../backend.js';
import { ApiClient } from './client.js';
import { RemoteContainers } from './containers.js';
import { RemoteNetworks } from './networks.js';
import { RemoteVolumes } from './volumes.js';
import { connector, describeHost, type HostUrl } from './transport.js';

export { parseHost } from './transport.js';

class RemoteSystem implements SystemBackend {
  constructor(private readonly api: ApiClient) {}
  version(): Promise<VersionReport> {
    return this.api.call('GET', '/version');
  }
  info(): Promise<Json> {
    return this.api.call('GET', '/info');
  }
}

export class RemoteBackend implements Backend {
  readonly remote = true;
  readonly where: string;
  readonly containers: RemoteContainers;
  readonly system: RemoteSystem;
  readonly networks: RemoteNetworks;
  readonly volumes: RemoteVolumes;
  private readonly api: ApiClient;

  constructor(host: HostUrl, opts: { identity?: string } = {}) {
    this.where = describeHost(host);
    const api = (this.api = new ApiClient(connector(host, opts), this.where));
    this.containers = new RemoteContainers(api);
    this.system = new RemoteSystem(api);
    this.networks = new RemoteNetworks(api);
    this.volumes = new RemoteVolumes(api);
  }

  close(): void {
    this.api.close();
  }
}
