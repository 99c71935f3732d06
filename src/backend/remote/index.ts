// The remote backend: a berth service or dockerd, over the Docker Engine API.
import type { Backend } from '../backend.js';
import { ApiClient } from './client.js';
import { RemoteContainers } from './containers.js';
import { RemoteImages } from './images.js';
import { CredentialStore } from '../../images/registry/credentials.js';
import { RemoteNetworks } from './networks.js';
import { RemoteVolumes } from './volumes.js';
import { RemoteSystem } from './system.js';
import { connector, describeHost, type HostUrl } from './transport.js';

export { parseHost } from './transport.js';

export class RemoteBackend implements Backend {
  readonly remote = true;
  readonly where: string;
  readonly containers: RemoteContainers;
  readonly images: RemoteImages;
  readonly system: RemoteSystem;
  readonly networks: RemoteNetworks;
  readonly volumes: RemoteVolumes;
  private readonly api: ApiClient;

  /** `dockerConfig`: the client's docker config directory, whose registry credentials pulls and pushes send along */
  constructor(host: HostUrl, opts: { identity?: string; dockerConfig?: string } = {}) {
    this.where = describeHost(host);
    const api = (this.api = new ApiClient(connector(host, opts), this.where, opts.dockerConfig ? new CredentialStore(opts.dockerConfig) : undefined));
    this.containers = new RemoteContainers(api);
    this.images = new RemoteImages(api);
    this.system = new RemoteSystem(api);
    this.networks = new RemoteNetworks(api);
    this.volumes = new RemoteVolumes(api);
  }

  close(): void {
    this.api.close();
  }
}
