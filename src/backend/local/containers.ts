// The container half of the local backend: the engine's ContainerService in this process,
// with its records shown in docker's shapes (engine/container-view.ts, shared with the API).
// Attaching before a start is the one subtle part: conmon's attach socket exists only between
// `runtime create` and `runtime start`, so an attach asked for before `start` is connected by
// that start (its beforeStart hook); without stdin or a tty the output is read from the log.
import { closeSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { AttachOptions, AttachSession, ContainerBackend, ContainerInspect, ContainerListOptions, ContainerStats, ContainerSummary, ContainerUpdate, CopiedEntry, ExecOptions, FileChange, LogOptions, OutputSink, PullFeedback, WaitCondition } from '../backend.js';
import type { EngineContext } from '../../engine/context.js';
import { ContainerService, type CreateRequest } from '../../engine/containers.js';
import { containerJson, containerSummary } from '../../engine/container-view.js';
import { CONTAINER_FILTERS, filterContainers, filtersNeedAll, pruneFilters } from '../../engine/container-filters.js';
import type { ContainerFiles } from '../../engine/container-files.js';
import { containerStats } from '../../engine/stats.js';
import { AttachSocket, resizeTty, waitExit } from '../../engine/attach.js';
import { parseTail, readLogs } from '../../engine/logs.js';
import { parsePs, psOutput } from '../../engine/top.js';
import { parseFilters, parseTimestamp } from '../../images/filters.js';
import { LogReader, type LogRecord } from '../../containers/logs.js';
import type { ContainerRecord } from '../../containers/model.js';
import { dirSize } from '../../platform/du.js';

/** Work to do around the next start of a container: connect an attach, begin reading output. */
interface PendingStart {
  beforeStart: Array<() => Promise<void>>;
  started: Array<() => void>;
}

export class LocalContainers implements ContainerBackend {
  private readonly svc: ContainerService;
  private readonly pending = new Map<string, PendingStart>();
  private _files?: Promise<ContainerFiles>;

  constructor(private readonly ctx: EngineContext) {
    this.svc = new ContainerService(ctx);
  }

  /** cp, diff and export's engine, loaded when one of them runs (no other command pays for it) */
  private files(): Promise<ContainerFiles> {
    return (this._files ??= import('../../engine/container-files.js').then((m) => new m.ContainerFiles(this.ctx)));
  }

  private pendingFor(id: string): PendingStart {
    let p = this.pending.get(id);
    if (!p) this.pending.set(id, (p = { beforeStart: [], started: [] }));
    return p;
  }

  async list(o: ContainerListOptions): Promise<ContainerSummary[]> {
    const f = parseFilters(o.filters ?? [], CONTAINER_FILTERS);
    const limit = o.limit ?? -1;
    let found = await filterContainers(this.svc, this.ctx.images, await this.svc.list(Boolean(o.all) || limit > 0 || filtersNeedAll(f)), f);
    if (limit > 0) found = found.slice(0, limit);
    const pods = found.some((c) => c.hostConfig.Pod) ? new Map((this.ctx.db.prepare('SELECT id, name FROM pods').all() as Array<{ id: string; name: string }>).map((p) => [p.id, p.name])) : undefined;
    return found.map((c) => ({
      ...containerSummary(c),
      ...(o.size ? this.sizes(c) : {}),
      ...(c.hostConfig.Pod ? { Pod: c.hostConfig.Pod, PodName: pods?.get(c.hostConfig.Pod) ?? '' } : {}),
    }));
  }

  private sizes(c: ContainerRecord): { SizeRw: number; SizeRootFs: number } {
    const rw = dirSize(this.svc.paths(c.id).upper);
    return { SizeRw: rw, SizeRootFs: rw + (this.ctx.images.get(c.imageId)?.size ?? 0) };
  }

  async inspect(name: string, o: { size?: boolean } = {}): Promise<ContainerInspect> {
    const c = await this.svc.get(name);
    return { ...containerJson(this.ctx, this.svc, c), ...(o.size ? this.sizes(c) : {}) } as ContainerInspect;
  }

  async create(req: CreateRequest, onPull: PullFeedback): Promise<string> {
    req.pullImage = async (ref) => {
      const progress = onPull(ref, req.pull !== 'always');
      const [{ pullImage }, { parsePlatform }] = await Promise.all([import('../../images/pull.js'), import('../../images/manifest.js')]);
      return (await pullImage(this.ctx, ref, { platform: req.platform ? parsePlatform(req.platform) : undefined, onProgress: progress })).id;
    };
    return (await this.svc.create(req)).id;
  }

  async start(name: string): Promise<void> {
    const c = await this.svc.get(name);
    const p = this.pending.get(c.id);
    this.pending.delete(c.id);
    await this.svc.start(c.id, p?.beforeStart.length ? { beforeStart: async () => void (await Promise.all(p.beforeStart.map((f) => f()))) } : {});
    for (const f of p?.started ?? []) f();
  }

  async stop(name: string, timeout?: number, signal?: string): Promise<void> {
    await this.svc.stop(name, timeout, signal);
  }
  async restart(name: string, timeout?: number, signal?: string): Promise<void> {
    await this.svc.restart(name, timeout, signal);
  }
  async kill(name: string, signal = 'SIGKILL'): Promise<void> {
    await this.svc.kill(name, signal);
  }
  pause(name: string): Promise<void> {
    return this.svc.pause(name);
  }
  unpause(name: string): Promise<void> {
    return this.svc.unpause(name);
  }
  async remove(name: string, o: { force?: boolean; volumes?: boolean }): Promise<void> {
    await this.svc.remove(name, o);
  }
  rename(name: string, newName: string): Promise<void> {
    return this.svc.rename(name, newName);
  }

  async wait(name: string, condition: WaitCondition): Promise<number> {
    const c = await this.svc.get(name);
    if (condition === 'not-running') return this.svc.wait(c.id);
    // The next run: the one the start after this call begins (exit codes are read only after it).
    await new Promise<void>((r) => this.pendingFor(c.id).started.push(r));
    const code = await waitExit(this.svc, c);
    // `run --rm` returns once the container is gone, as docker's does.
    if (condition === 'removed' && c.hostConfig.AutoRemove) await this.svc.cleanup(c.id).catch(() => undefined);
    return code;
  }

  async attach(name: string, o: AttachOptions, output: OutputSink): Promise<AttachSession> {
    const c = await this.svc.get(name);
    if (!o.fromStart || o.stdin || c.config.Tty) return this.attachSocket(c, o, output);
    return this.attachLog(c, output);
  }

  /** Through conmon's attach socket: output from the moment of connecting, and stdin. */
  private async attachSocket(c: ContainerRecord, o: AttachOptions, output: OutputSink): Promise<AttachSession> {
    const sock = new AttachSocket(output);
    if (o.fromStart) this.pendingFor(c.id).beforeStart.push(() => sock.connect(this.svc, c));
    else await sock.connect(this.svc, c);
    return { write: (d) => sock.write(d), end: () => sock.end(), close: () => sock.destroy(), closed: sock.closed };
  }

  /** From the log file conmon writes, opened before the start so that nothing is missed (it stays readable if --rm removes it). */
  private attachLog(c: ContainerRecord, output: OutputSink): AttachSession {
    const log = this.svc.paths(c.id).log;
    closeSync(openSync(log, 'a', 0o640));
    const reader = new LogReader(log);
    reader.open(true); // only what this run writes (start -a of an old container has older lines)
    const emit = (recs: LogRecord[]) => {
      for (const r of recs) output(r.stream === 'stderr' ? 'stderr' : 'stdout', Buffer.from(r.text));
    };
    let closeNow!: () => void;
    const closing = new Promise<void>((r) => (closeNow = r));
    const closed = new Promise<void>((r) => this.pendingFor(c.id).started.push(r)).then(async () => {
      const timer = setInterval(() => emit(reader.read()), 20);
      try {
        await Promise.race([waitExit(this.svc, c), closing]);
      } finally {
        clearInterval(timer);
      }
      emit(reader.read());
      emit(reader.flush());
      reader.close();
    });
    return { write: () => undefined, end: () => undefined, close: () => closeNow(), closed };
  }

  async resize(name: string, rows: number, cols: number): Promise<void> {
    resizeTty(this.svc, await this.svc.get(name), rows, cols);
  }

  async logs(name: string, o: LogOptions, output: OutputSink): Promise<void> {
    const c = await this.svc.get(name);
    await readLogs(this.svc, c, {
      follow: o.follow,
      tail: parseTail(o.tail),
      since: o.since ? parseTimestamp(o.since) : -Infinity,
      until: o.until ? parseTimestamp(o.until) : Infinity,
    }, (recs) => {
      for (const r of recs) output(r.stream === 'stderr' ? 'stderr' : 'stdout', Buffer.from(o.timestamps ? `${r.time} ${r.text}` : r.text));
    });
  }

  async top(name: string, psArgs: string[]): Promise<{ Titles: string[]; Processes: string[][] }> {
    return parsePs(await psOutput(await this.svc.processes(name), psArgs));
  }

  exec(name: string, o: ExecOptions): Promise<number> {
    return this.svc.exec(name, o);
  }

  async diff(name: string): Promise<FileChange[]> {
    return (await this.files()).changes(name);
  }

  async export(name: string, sink: (tar: Readable) => Promise<void>): Promise<void> {
    return (await this.files()).export(name, sink);
  }

  async copyFrom(name: string, path: string, o: { followLink: boolean }, sink: (tar: Readable, top: CopiedEntry) => Promise<void>): Promise<void> {
    return (await this.files()).copyFrom(name, path, o, sink);
  }

  async copyTo(name: string, path: string, source: CopiedEntry & { tar: Readable }, o: { owners: boolean; contentsOnly: boolean }): Promise<void> {
    return (await this.files()).copyTo(name, path, source, o);
  }

  stats(name: string, o: { stream: boolean }): AsyncIterable<ContainerStats> {
    return containerStats(this.svc, name, o);
  }

  async update(name: string, u: ContainerUpdate): Promise<void> {
    await this.svc.update(name, u);
  }

  async prune(filters: string[] = []): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    return { ContainersDeleted: await this.svc.prune(pruneFilters(filters)), SpaceReclaimed: 0 };
  }

}
