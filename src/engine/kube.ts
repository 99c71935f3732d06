// Kubernetes YAML in and out (podman's `kube generate` / `kube play` convention): the engine
// side of src/kube. Generate gathers containers, pods, image configs and host facts and hands
// them to the pure mapping; play parses and plans, then makes volumes, pods and containers
// through the pod and container services; down removes the pods a file made (volumes stay, as
// with podman's `kube down` without --force; the pods' own emptyDir volumes go with them).
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomInt } from 'node:crypto';
import type { EngineContext } from './context.js';
import { ContainerService } from './containers.js';
import { PodService, type PodRow } from './pods.js';
import { VolumeService } from './volumes.js';
import type { ContainerRecord, Mount } from '../containers/model.js';
import type { ContainerConfig, ImageConfig } from '../images/manifest.js';
import { conflict, invalid, notFound } from '../errors.js';
import { generateKube, toYaml, type GenPod } from '../kube/generate.js';
import { parseKube, planPlay, workloadPods, type PlannedContainer, type PlannedPod } from '../kube/play.js';
import { VERSION } from '../version.js';
import { log } from '../util/log.js';

const EMPTYDIR_LABEL = 'io.berth.kube.emptydir';

export interface PlayReport {
  pods: Array<{ name: string; id: string; containers: string[] }>;
  volumes: string[];
  warnings: string[];
}

export class KubeService {
  constructor(private readonly ctx: EngineContext) {}

  private get containers(): ContainerService {
    return new ContainerService(this.ctx);
  }

  private get pods(): PodService {
    return new PodService(this.ctx);
  }

  private imageConfig(c: ContainerRecord): ContainerConfig {
    const row = this.ctx.images.tryResolve(c.imageId) ?? this.ctx.images.tryResolve(c.image);
    return row ? ((JSON.parse(row.image.config) as ImageConfig).config ?? {}) : {};
  }

  // ---------------------------------------------------------------- generate

  /** YAML for the named containers (one Pod together) and pods (one Pod each), as podman. */
  async generate(names: string[], o: { service: boolean; type: 'pod' | 'deployment'; replicas?: number }): Promise<string> {
    if (!names.length) throw invalid('kube generate needs at least one container or pod');
    const loose: ContainerRecord[] = [];
    const pods: PodRow[] = [];
    for (const n of names) {
      let c: ContainerRecord | undefined;
      try {
        c = this.containers.store.resolve(n);
      } catch {
        c = undefined;
      }
      if (c) {
        if (c.hostConfig.Pod) {
          const pod = this.ctx.db.prepare('SELECT name FROM pods WHERE id = ?').get(c.hostConfig.Pod) as { name: string } | undefined;
          throw invalid(`container ${c.name} is in pod ${pod?.name ?? c.hostConfig.Pod}: generate the pod itself`);
        }
        loose.push(await this.containers.get(c.id));
        continue;
      }
      try {
        pods.push(this.pods.resolve(n));
      } catch {
        throw notFound(`name or ID "${n}" is neither a container nor a pod`);
      }
    }
    const gen: GenPod[] = [];
    for (const pod of pods) {
      const { containers } = await this.pods.status(pod);
      const infra = containers.find((c) => c.id === pod.infra_id);
      const members = containers.filter((c) => c.id !== pod.infra_id);
      if (!members.length) throw invalid(`pod ${pod.name} only has an infra container`);
      gen.push({
        name: pod.name,
        pod: { hostname: pod.config.Hostname, labels: pod.config.Labels, networkMode: pod.config.NetworkMode },
        ports: pod.config.PortBindings,
        boundPorts: infra?.state.Ports,
        containers: members.map((record) => ({ record, image: this.imageConfig(record) })),
      });
    }
    if (loose.length) {
      const first = loose[0].name.replace(/_/g, '');
      gen.push({ name: `${first}-pod`, ports: {}, containers: loose.map((record) => ({ record, image: this.imageConfig(record) })) });
    }
    const volumes = new VolumeService(this.ctx).store;
    const docs = generateKube(gen, {
      type: o.type,
      service: o.service,
      replicas: o.replicas,
      hostPathType: (p) => {
        const st = statSync(p, { throwIfNoEntry: false });
        return !st ? 'DirectoryOrCreate' : st.isDirectory() ? 'Directory' : 'File';
      },
      volume: (name) => {
        const v = volumes.get(name);
        return v && { anonymous: v.Anonymous, labels: v.Labels };
      },
      nodePort: () => randomInt(30000, 32768),
    });
    return toYaml(docs, VERSION);
  }

  // ---------------------------------------------------------------- play

  private async removePod(pod: PodRow): Promise<string> {
    // The pod's emptyDir volumes are its own: they go with it.
    const scratch = new Set<string>();
    for (const c of this.pods.members(pod)) for (const m of c.hostConfig.Mounts ?? []) if (m.Type === 'volume') scratch.add(m.Source);
    const id = await this.pods.remove(pod.id, { force: true });
    const vols = new VolumeService(this.ctx);
    for (const name of scratch) {
      const v = vols.store.get(name);
      if (v && v.Labels[EMPTYDIR_LABEL] === pod.name) await vols.remove(name).catch((e: Error) => log.warn(`kube: could not remove emptyDir volume ${name}: ${e.message}`));
    }
    return id;
  }

  private existingPod(name: string): PodRow | undefined {
    return this.pods.all().find((p) => p.name === name);
  }

  /** Make sure hostPath sources are what their type says (creating DirectoryOrCreate and FileOrCreate ones). */
  private hostPaths(pod: PlannedPod): void {
    for (const { path, type } of pod.hostPaths) {
      const st = statSync(path, { throwIfNoEntry: false });
      const fail = (what: string) => invalid(`hostPath ${path} of pod ${pod.name}: ${what}`);
      switch (type) {
        case 'DirectoryOrCreate':
          if (!st) mkdirSync(path, { recursive: true, mode: 0o755 });
          else if (!st.isDirectory()) throw fail('not a directory');
          break;
        case 'FileOrCreate':
          if (!st) {
            mkdirSync(dirname(path), { recursive: true });
            writeFileSync(path, '', { mode: 0o644 });
          } else if (!st.isFile()) throw fail('not a file');
          break;
        case 'Directory':
          if (!st?.isDirectory()) throw fail('no such directory');
          break;
        case 'File':
          if (!st?.isFile()) throw fail('no such file');
          break;
        case 'Socket':
          if (!st?.isSocket()) throw fail('no such socket');
          break;
        case 'CharDevice':
          if (!st?.isCharacterDevice()) throw fail('no such character device');
          break;
        case 'BlockDevice':
          if (!st?.isBlockDevice()) throw fail('no such block device');
          break;
        default:
          break;
      }
    }
  }

  /** The mounts of a planned container, with the pod's emptyDir volumes and subPaths resolved. */
  private mounts(c: PlannedContainer, emptyDirs: Map<string, string>): Mount[] {
    const store = new VolumeService(this.ctx).store;
    return c.mounts.map((pm) => {
      const m = { ...pm.mount };
      if (pm.emptyDir) m.Source = emptyDirs.get(pm.emptyDir)!;
      if (pm.subPath && m.Type === 'volume') {
        const v = store.get(m.Source) ?? new VolumeService(this.ctx).create({ name: m.Source });
        const src = join(v.Mountpoint, pm.subPath);
        if (!src.startsWith(`${v.Mountpoint}/`)) throw invalid(`subPath ${pm.subPath} leaves volume ${m.Source}`);
        if (!existsSync(src)) mkdirSync(src, { recursive: true });
        return { Type: 'bind' as const, Source: src, Target: m.Target, ReadOnly: m.ReadOnly };
      }
      return m;
    });
  }

  private async createContainer(c: PlannedContainer, podId: string, emptyDirs: Map<string, string>, pullImage?: (ref: string) => Promise<string>): Promise<ContainerRecord> {
    const config = { ...c.config };
    if (c.group !== undefined) {
      // runAsGroup alone: the image's user with that group.
      if (!this.ctx.images.tryResolve(c.image) && pullImage && c.pull !== 'never') await pullImage(c.image);
      const img = this.ctx.images.tryResolve(c.image);
      const imgUser = img ? ((JSON.parse(img.image.config) as ImageConfig).config?.User ?? '') : '';
      config.User = `${imgUser.split(':')[0] || '0'}:${c.group}`;
    }
    return this.containers.create({
      name: c.name,
      image: c.image,
      config,
      hostConfig: { ...c.hostConfig, Mounts: this.mounts(c, emptyDirs), Pod: podId },
      pull: c.pull,
      pullImage,
    });
  }

  /** Run the documents: volumes first, then each pod with its containers (started unless start is false). */
  async play(text: string, o: { start: boolean; replace: boolean; pullImage?: (ref: string) => Promise<string> }): Promise<PlayReport> {
    const plan = planPlay(parseKube(text));
    const report: PlayReport = { pods: [], volumes: [], warnings: [...plan.warnings] };
    for (const p of plan.pods) {
      const existing = this.existingPod(p.name);
      if (existing && o.replace) await this.removePod(existing);
      else if (existing) throw conflict(`a pod named ${p.name} already exists: use --replace, or kube play --down first`);
    }
    const vols = new VolumeService(this.ctx);
    for (const v of plan.volumes) {
      const vol = vols.store.get(v.name) ?? vols.create({ name: v.name, labels: v.labels });
      if (v.files) {
        // ConfigMap and Secret volumes say what they hold now: their files are written anew.
        await vols.store.ensureMounted(vol);
        for (const f of readdirSync(vol.Mountpoint)) rmSync(join(vol.Mountpoint, f), { recursive: true, force: true });
        for (const f of v.files) {
          const dest = join(vol.Mountpoint, f.path);
          mkdirSync(dirname(dest), { recursive: true });
          writeFileSync(dest, f.data);
          chmodSync(dest, f.mode & 0o7777);
        }
      }
      report.volumes.push(vol.Name);
    }
    for (const p of plan.pods) {
      this.hostPaths(p);
      const pod = await this.pods.create({ name: p.name, hostname: p.hostname, labels: p.labels, ports: p.ports, ...(p.network ? { network: p.network } : {}) });
      const ids: string[] = [];
      try {
        const emptyDirs = new Map<string, string>();
        for (const c of [...p.initContainers, ...p.containers]) {
          for (const m of c.mounts) if (m.emptyDir && !emptyDirs.has(m.emptyDir)) emptyDirs.set(m.emptyDir, vols.create({ anonymous: true, labels: { [EMPTYDIR_LABEL]: p.name } }).Name);
        }
        const inits: ContainerRecord[] = [];
        for (const c of p.initContainers) inits.push(await this.createContainer(c, pod.id, emptyDirs, o.pullImage));
        for (const c of p.containers) ids.push((await this.createContainer(c, pod.id, emptyDirs, o.pullImage)).id);
        if (o.start) {
          // Init containers run one by one to completion before the others start (podman's "once").
          for (const init of inits) {
            await this.containers.start(init.id);
            const code = await this.containers.wait(init.id);
            if (code !== 0) throw conflict(`init container ${init.name} of pod ${p.name} exited with code ${code}`);
            await this.containers.remove(init.id, { force: true });
          }
          await this.pods.start(pod.id);
        } else ids.unshift(...inits.map((c) => c.id));
      } catch (e) {
        await this.removePod(pod).catch(() => undefined);
        throw e;
      }
      report.pods.push({ name: p.name, id: pod.id, containers: ids });
    }
    return report;
  }

  /** Remove the pods a file made (and their containers); volumes stay. */
  async down(text: string): Promise<{ stopped: string[]; removed: string[] }> {
    const names = workloadPods(parseKube(text)).map((w) => w.name);
    const stopped: string[] = [];
    const removed: string[] = [];
    for (const name of names) {
      const pod = this.existingPod(name);
      if (!pod) continue;
      await this.pods.stop(pod.id).catch((e: Error) => log.warn(`kube down: stopping pod ${name}: ${e.message}`));
      stopped.push(pod.id);
      removed.push(await this.removePod(pod));
    }
    return { stopped, removed };
  }
}
