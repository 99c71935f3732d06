// Pods (podman's convention; docker has none): containers that share their network, IPC and
// UTS namespaces through an infra container running catatonit in pause mode. The pod is a
// row naming its infra container; members point at the pod from their HostConfig and join
// the infra container's namespaces (container:<infra>). Published ports belong to the pod
// (they are the infra container's). Starting a member starts the infra container first.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { EngineContext } from './context.js';
import { ContainerService } from './containers.js';
import { conflict, invalid, notFound, BerthError } from '../errors.js';
import { writeTx } from '../state/db.js';
import { generateName, validateName } from '../containers/names.js';
import type { ContainerRecord, HostConfig } from '../containers/model.js';
import { ContainerStore } from '../containers/store.js';
import { storeNewLayerImage } from '../images/commit.js';
import { hostPlatform } from '../images/manifest.js';
import { VERSION } from '../version.js';

const CATATONIT = '/usr/bin/catatonit';
const SHARES = ['net', 'ipc', 'uts'] as const;

export interface PodConfig {
  Labels: Record<string, string>;
  Hostname: string;
  PortBindings: HostConfig['PortBindings'];
  /** the network mode / networks of the infra container */
  NetworkMode: string;
  Networks?: HostConfig['Networks'];
  Share: string[];
}

export interface PodRow {
  id: string;
  name: string;
  created: string;
  infra_id: string | null;
  config: PodConfig;
}

export type PodStatus = 'Created' | 'Running' | 'Degraded' | 'Exited' | 'Paused';

export class PodService {
  constructor(private readonly ctx: EngineContext) {}

  private get containers(): ContainerService {
    return new ContainerService(this.ctx);
  }

  all(): PodRow[] {
    return (this.ctx.db.prepare('SELECT * FROM pods ORDER BY created DESC').all() as Array<Omit<PodRow, 'config'> & { config: string }>).map((r) => ({ ...r, config: JSON.parse(r.config) as PodConfig }));
  }

  /** By full or short id, or by name. */
  resolve(nameOrId: string): PodRow {
    const all = this.all();
    const hit = all.find((p) => p.name === nameOrId || p.id === nameOrId) ?? (nameOrId.length >= 3 ? all.filter((p) => p.id.startsWith(nameOrId)) : []).at(0);
    if (!hit) throw notFound(`no pod with name or ID ${nameOrId} found`);
    return hit;
  }

  /** The pod's containers, infra first, then in creation order. */
  members(pod: PodRow): ContainerRecord[] {
    const out = new ContainerStore(this.ctx.db).all().filter((c) => c.hostConfig.Pod === pod.id);
    return out.sort((a, b) => (a.id === pod.infra_id ? -1 : b.id === pod.infra_id ? 1 : a.created.localeCompare(b.created)));
  }

  async status(pod: PodRow): Promise<{ status: PodStatus; containers: ContainerRecord[] }> {
    const containers = await Promise.all(this.members(pod).map((c) => this.containers.get(c.id)));
    const running = containers.filter((c) => c.state.Running).length;
    const paused = containers.filter((c) => c.state.Paused).length;
    const everStarted = containers.some((c) => c.state.Status !== 'created');
    const status: PodStatus = paused && paused === containers.length ? 'Paused' : running === containers.length && running ? 'Running' : running ? 'Degraded' : everStarted ? 'Exited' : 'Created';
    return { status, containers };
  }

  /** The infra image: catatonit alone, made locally on first use (no registry needed). */
  private async infraImage(): Promise<string> {
    const ref = `localhost/berth-pause:${VERSION}`;
    const have = this.ctx.images.tryResolve(ref);
    if (have) return have.image.id;
    if (!existsSync(CATATONIT)) throw new BerthError('runtime', `pods need ${CATATONIT} for their infra container (apt-get install catatonit)`);
    const pack = tar.pack();
    const bin = readFileSync(CATATONIT);
    pack.entry({ name: 'catatonit', mode: 0o755, uid: 0, gid: 0, mtime: new Date(0) }, bin);
    pack.finalize();
    const p = hostPlatform();
    return storeNewLayerImage(this.ctx, {
      base: { architecture: p.architecture, os: p.os, rootfs: { type: 'layers', diff_ids: [] }, history: [] },
      config: { Entrypoint: ['/catatonit', '-P'], Labels: { 'io.berth.infra': 'true' } },
      layer: pack as unknown as Readable,
      createdBy: `COPY ${CATATONIT} /catatonit`,
      tag: ref,
      action: 'build',
    });
  }

  async create(o: { name?: string; hostname?: string; labels?: Record<string, string>; ports?: HostConfig['PortBindings']; network?: string; networks?: HostConfig['Networks']; share?: string[] }): Promise<PodRow> {
    const taken = (n: string) => this.all().some((p) => p.name === n);
    const name = o.name ? validateName(o.name) : generateName(taken);
    if (taken(name)) throw conflict(`a pod named ${name} already exists`);
    const share = o.share ?? [...SHARES];
    for (const s of share) if (!(SHARES as readonly string[]).includes(s)) throw invalid(`invalid --share "${s}": berth pods share ${SHARES.join(', ')}`);
    const id = randomBytes(32).toString('hex');
    const config: PodConfig = { Labels: o.labels ?? {}, Hostname: o.hostname || name, PortBindings: o.ports ?? {}, NetworkMode: o.network || 'default', ...(o.networks ? { Networks: o.networks } : {}), Share: share };
    const image = await this.infraImage();
    writeTx(this.ctx.db, () => this.ctx.db.prepare('INSERT INTO pods (id, name, created, infra_id, config) VALUES (?, ?, ?, NULL, ?)').run(id, name, new Date().toISOString(), JSON.stringify(config)));
    let infraId: string | undefined;
    try {
      infraId = (await this.containers.create({
        name: `${id.slice(0, 12)}-infra`,
        image,
        config: { Hostname: config.Hostname, Labels: { ...config.Labels } },
        hostConfig: { NetworkMode: config.NetworkMode, ...(config.Networks ? { Networks: config.Networks } : {}), PortBindings: config.PortBindings, Pod: id },
      })).id;
      this.ctx.db.prepare('UPDATE pods SET infra_id = ? WHERE id = ?').run(infraId, id);
      this.ctx.events.emit('pod', 'create', id, { name });
      return this.resolve(id);
    } catch (e) {
      if (infraId) await this.containers.remove(infraId, { force: true }).catch(() => undefined);
      this.ctx.db.prepare('DELETE FROM pods WHERE id = ?').run(id);
      throw e;
    }
  }

  /**
   * What a member's HostConfig becomes: the infra container's namespaces for what the pod
   * shares. Ports and networks are the pod's: a member asking for its own is refused.
   */
  memberHostConfig(podRef: string, hc: Partial<HostConfig>): Partial<HostConfig> {
    const pod = this.resolve(podRef);
    if (!pod.infra_id) throw conflict(`pod ${pod.name} has no infra container`);
    if (Object.keys(hc.PortBindings ?? {}).length) throw invalid('published ports belong to the pod: give them to `berth pod create -p`');
    const infra = `container:${pod.infra_id}`;
    const out: Partial<HostConfig> = { ...hc, Pod: pod.id };
    if (pod.config.Share.includes('net')) {
      if (hc.NetworkMode && !['default', ''].includes(hc.NetworkMode)) throw invalid(`a container in pod ${pod.name} uses the pod's network: drop --network`);
      out.NetworkMode = infra;
      delete out.Networks;
    }
    if (pod.config.Share.includes('ipc')) out.IpcMode = infra;
    if (pod.config.Share.includes('uts')) out.UTSMode = infra;
    return out;
  }

  async start(nameOrId: string): Promise<PodRow> {
    const pod = this.resolve(nameOrId);
    for (const c of this.members(pod)) await this.containers.start(c.id);
    this.ctx.events.emit('pod', 'start', pod.id, { name: pod.name });
    return pod;
  }

  async stop(nameOrId: string, timeoutSec?: number): Promise<PodRow> {
    const pod = this.resolve(nameOrId);
    for (const c of this.members(pod).reverse()) await this.containers.stop(c.id, timeoutSec);
    this.ctx.events.emit('pod', 'stop', pod.id, { name: pod.name });
    return pod;
  }

  async restart(nameOrId: string, timeoutSec?: number): Promise<PodRow> {
    await this.stop(nameOrId, timeoutSec);
    return this.start(nameOrId);
  }

  async kill(nameOrId: string, signal: string): Promise<PodRow> {
    const pod = this.resolve(nameOrId);
    for (const c of (await this.status(pod)).containers.filter((x) => x.state.Running).reverse()) await this.containers.kill(c.id, signal);
    return pod;
  }

  async remove(nameOrId: string, opts: { force?: boolean } = {}): Promise<string> {
    const pod = this.resolve(nameOrId);
    const { containers } = await this.status(pod);
    const running = containers.filter((c) => c.state.Running || c.state.Paused);
    if (running.length && !opts.force) throw conflict(`pod ${pod.name} has running containers (${running.map((c) => c.name).join(', ')}): stop the pod or use --force`);
    for (const c of containers.reverse()) await this.containers.remove(c.id, { force: true });
    this.ctx.db.prepare('DELETE FROM pods WHERE id = ?').run(pod.id);
    this.ctx.events.emit('pod', 'remove', pod.id, { name: pod.name });
    return pod.id;
  }

  async prune(): Promise<string[]> {
    const out: string[] = [];
    for (const pod of this.all()) {
      const { containers } = await this.status(pod);
      if (!containers.some((c) => c.state.Running || c.state.Paused)) out.push(await this.remove(pod.id));
    }
    return out;
  }
}

/** The infra container of a pod (for ContainerService.start), if the pod still exists. */
export function infraOf(ctx: EngineContext, podId: string): string | undefined {
  const row = ctx.db.prepare('SELECT infra_id FROM pods WHERE id = ?').get(podId) as { infra_id: string | null } | undefined;
  return row?.infra_id ?? undefined;
}
