// The network half of the local backend: the engine's NetworkService in this process, its rows
// shown as the API shows them (NetworkService.inspectJson).
import type { NetworkBackend, NetworkCreateOptions, NetworkInspect } from '../networks.js';
import type { EngineContext } from '../../engine/context.js';
import { NetworkService } from '../../engine/networks.js';
import { ContainerService } from '../../engine/containers.js';

export class LocalNetworks implements NetworkBackend {
  private readonly svc: NetworkService;

  constructor(private readonly ctx: EngineContext) {
    this.svc = new NetworkService(ctx);
  }

  async list(filters: string[] = []): Promise<NetworkInspect[]> {
    return this.svc.list(filters).map((n) => this.svc.inspectJson(n) as NetworkInspect);
  }

  async inspect(nameOrId: string): Promise<NetworkInspect> {
    return this.svc.inspectJson(this.svc.resolve(nameOrId)) as NetworkInspect;
  }

  async create(o: NetworkCreateOptions): Promise<string> {
    return (await this.svc.create(o)).id;
  }

  async remove(nameOrId: string): Promise<void> {
    await this.svc.remove(nameOrId);
  }

  prune(): Promise<string[]> {
    return this.svc.prune();
  }

  connect(network: string, container: string, o: { aliases?: string[]; ip?: string }): Promise<void> {
    return new ContainerService(this.ctx).changeNetwork('connect', container, network, { aliases: o.aliases ?? [], ...(o.ip ? { ip: o.ip } : {}) });
  }

  disconnect(network: string, container: string): Promise<void> {
    return new ContainerService(this.ctx).changeNetwork('disconnect', container, network, {});
  }
}
