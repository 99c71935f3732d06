// The container half of the remote backend: each operation as the docker CLI asks dockerd.
import { posix } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import type { AttachSession, ContainerBackend, ContainerInspect, ContainerListOptions, ContainerStats, ContainerSummary, ContainerUpdate, CopiedEntry, ExecOptions, FileChange, LogOptions, OutputSink, PullFeedback, WaitCondition } from '../backend.js';
import type { CreateRequest } from '../../engine/containers.js';
import { startFailure } from '../../engine/containers.js';
import { createBody } from '../../api/create.js';
import { BerthError } from '../../errors.js';
import { copyRule, renameTop, underTop } from '../../containers/copy.js';
import { parseTimestamp } from '../../images/filters.js';
import { demux, jsonMessages, type ApiClient } from './client.js';
import { pullThrough } from './images.js';
import { connectTerminal } from '../terminal.js';

const path = (name: string, what = '') => `/containers/${encodeURIComponent(name)}${what}`;

/** docker's filters query: {"key": ["value", ...]} from the CLI's key=value list. */
export function filtersQuery(list: string[] | undefined): string | undefined {
  if (!list?.length) return undefined;
  const out: Record<string, string[]> = {};
  for (const f of list) {
    const i = f.indexOf('=');
    const k = i < 0 ? f : f.slice(0, i);
    (out[k] ??= []).push(i < 0 ? '' : f.slice(i + 1));
  }
  return JSON.stringify(out);
}

/** A hijacked connection as an attach session; output demultiplexed unless the stream is a tty's. */
function session(socket: Duplex, tty: boolean, output: OutputSink): AttachSession {
  const feed = tty ? (d: Buffer) => output('stdout', d) : demux(output);
  socket.on('data', feed);
  const closed = new Promise<void>((r) => {
    socket.on('end', r);
    socket.on('close', r);
    socket.on('error', r);
  });
  return {
    write: (d) => void (socket.writable && socket.write(d)),
    end: () => {
      // half-close: the engine sees stdin end and keeps sending output
      if (socket.writable) socket.end();
    },
    close: () => socket.destroy(),
    closed,
  };
}

/** What docker's X-Docker-Container-Path-Stat says of a path in a container (mode: Go's os.FileMode bits). */
interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

const isDir = (mode: number) => ((mode >>> 31) & 1) === 1;
const isSymlink = (mode: number) => ((mode >>> 27) & 1) === 1;

function pathStat(header: string | string[] | undefined): PathStat | undefined {
  if (typeof header !== 'string' || !header) return undefined;
  try {
    return JSON.parse(Buffer.from(header, 'base64').toString()) as PathStat;
  } catch {
    return undefined;
  }
}

/** A symlink's target as a path in the container (a relative one is relative to the link's directory). */
const linkPath = (path: string, target: string) => (target.startsWith('/') ? target : posix.join(posix.dirname(posix.normalize(`/${path}`)), target));

/** docker's timestamp query values: Unix seconds (a duration or a date is resolved here, as docker's CLI does). */
/** docker's --since/--until as the API takes them: Unix seconds, resolved on the client. */
export const unixTime = (v: string | undefined, now: number) => (v ? (parseTimestamp(v, now) / 1000).toFixed(3) : undefined);

export class RemoteContainers implements ContainerBackend {
  constructor(private readonly api: ApiClient) {}

  list(o: ContainerListOptions): Promise<ContainerSummary[]> {
    return this.api.call('GET', '/containers/json', { query: { all: o.all, limit: o.limit && o.limit > 0 ? o.limit : undefined, size: o.size, filters: filtersQuery(o.filters) } });
  }

  inspect(name: string, o: { size?: boolean } = {}): Promise<ContainerInspect> {
    return this.api.call('GET', path(name, '/json'), { query: { size: o.size } });
  }

  async create(req: CreateRequest, onPull: PullFeedback): Promise<string> {
    const body = createBody(req);
    const query = { name: req.name, platform: req.platform };
    const create = () => this.api.call<{ Id: string }>('POST', '/containers/create', { query, body });
    if (req.pull === 'always') await pullThrough(this.api, req.image, req.platform, onPull(req.image, false));
    try {
      return (await create()).Id;
    } catch (e) {
      if (!(e instanceof BerthError && e.kind === 'not-found' && /image/i.test(e.message)) || req.pull === 'never') throw e;
    }
    await pullThrough(this.api, req.image, req.platform, onPull(req.image, true));
    return (await create()).Id;
  }

  async start(name: string): Promise<void> {
    try {
      await this.api.call('POST', path(name, '/start'), { accept: [304] });
    } catch (e) {
      // the engine's message, with docker's exit codes for "not found" (127) and "cannot run" (126), as the docker CLI reads them
      throw e instanceof BerthError && e.kind !== 'not-found' && e.kind !== 'conflict' ? startFailure(e.message) : e;
    }
  }
  async stop(name: string, timeout?: number, signal?: string): Promise<void> {
    await this.api.call('POST', path(name, '/stop'), { query: { t: timeout, signal }, accept: [304] });
  }
  async restart(name: string, timeout?: number, signal?: string): Promise<void> {
    await this.api.call('POST', path(name, '/restart'), { query: { t: timeout, signal } });
  }
  async kill(name: string, signal?: string): Promise<void> {
    await this.api.call('POST', path(name, '/kill'), { query: { signal } });
  }
  async pause(name: string): Promise<void> {
    await this.api.call('POST', path(name, '/pause'));
  }
  async unpause(name: string): Promise<void> {
    await this.api.call('POST', path(name, '/unpause'));
  }
  async remove(name: string, o: { force?: boolean; volumes?: boolean }): Promise<void> {
    await this.api.call('DELETE', path(name), { query: { force: o.force, v: o.volumes } });
  }
  async rename(name: string, newName: string): Promise<void> {
    await this.api.call('POST', path(name, '/rename'), { query: { name: newName } });
  }

  async wait(name: string, condition: WaitCondition): Promise<number> {
    const r = await this.api.call<{ StatusCode: number; Error?: { Message?: string } | null }>('POST', path(name, '/wait'), { query: { condition } });
    if (r.Error?.Message) throw new BerthError('runtime', r.Error.Message);
    return r.StatusCode;
  }

  async attach(name: string, o: { stdin: boolean }, output: OutputSink): Promise<AttachSession> {
    // whether the stream is framed follows from the container's tty (older engines do not say)
    const tty = Boolean((await this.inspect(name)).Config.Tty);
    const { socket } = await this.api.hijack('POST', path(name, '/attach'), { query: { stream: true, stdin: o.stdin, stdout: true, stderr: true } });
    return session(socket, tty, output);
  }

  async resize(name: string, rows: number, cols: number): Promise<void> {
    await this.api.call('POST', path(name, '/resize'), { query: { h: rows, w: cols } }).catch(() => undefined);
  }

  async logs(name: string, o: LogOptions, output: OutputSink): Promise<void> {
    const tty = Boolean((await this.inspect(name)).Config.Tty);
    const body = await this.api.stream('GET', path(name, '/logs'), { query: { stdout: true, stderr: true, follow: o.follow, tail: o.tail, since: o.since, until: o.until, timestamps: o.timestamps } });
    const feed = tty ? (d: Buffer) => output('stdout', d) : demux(output);
    for await (const chunk of body) feed(chunk as Buffer);
  }

  top(name: string, psArgs: string[]): Promise<{ Titles: string[]; Processes: string[][] }> {
    return this.api.call('GET', path(name, '/top'), { query: { ps_args: psArgs.length ? psArgs.join(' ') : undefined } });
  }

  async exec(name: string, o: ExecOptions): Promise<number> {
    const attached = !o.detach;
    const { Id } = await this.api.call<{ Id: string }>('POST', path(name, '/exec'), {
      body: { AttachStdin: attached && o.interactive, AttachStdout: attached, AttachStderr: attached, Tty: o.tty, Env: o.env, Cmd: o.cmd, User: o.user ?? '', WorkingDir: o.workdir ?? '', Privileged: o.privileged, ...(o.detachKeys ? { DetachKeys: o.detachKeys } : {}) },
    });
    const start = `/exec/${Id}/start`;
    if (!attached) {
      await this.api.call('POST', start, { body: { Detach: true, Tty: o.tty } });
      return 0;
    }
    const { socket } = await this.api.hijack('POST', start, { body: { Detach: false, Tty: o.tty } });
    const s = session(socket, o.tty, (stream, d) => (stream === 'stderr' ? process.stderr : process.stdout).write(d));
    const resize = (rows: number, cols: number) => void this.api.call('POST', `/exec/${Id}/resize`, { query: { h: rows, w: cols } }).catch(() => undefined);
    if (await connectTerminal(s, { tty: o.tty, stdin: o.interactive, detachKeys: o.detachKeys, resize })) return 0;
    const r = await this.api.call<{ ExitCode: number | null; Running: boolean }>('GET', `/exec/${Id}/json`);
    return r.ExitCode ?? 0;
  }
  async diff(name: string): Promise<FileChange[]> {
    return (await this.api.call<FileChange[] | null>('GET', path(name, '/changes'))) ?? [];
  }

  async export(name: string, sink: (tar: Readable) => Promise<void>): Promise<void> {
    await sink(await this.api.stream('GET', path(name, '/export')));
  }

  /** HEAD /archive: what the path is, or undefined when the engine cannot say (docker's CLI goes on then too). */
  private async statPath(name: string, p: string): Promise<PathStat | undefined> {
    try {
      const res = await this.api.stream('HEAD', path(name, '/archive'), { query: { path: p } });
      res.resume();
      return pathStat(res.headers['x-docker-container-path-stat']);
    } catch {
      return undefined;
    }
  }

  async copyFrom(name: string, p: string, o: { followLink: boolean }, sink: (tar: Readable, top: CopiedEntry) => Promise<void>): Promise<void> {
    let src = p;
    if (o.followLink) {
      // -L: copy what a symlink points to (the engine sends the link itself otherwise)
      const st = await this.statPath(name, p);
      if (st && isSymlink(st.mode)) src = linkPath(p, st.linkTarget);
    }
    const res = await this.api.stream('GET', path(name, '/archive'), { query: { path: src } });
    const st = pathStat(res.headers['x-docker-container-path-stat']);
    const top = { name: st?.name ?? posix.basename(src), isDir: st ? isDir(st.mode) : false };
    // dockerd sends DIR/. as the directory's contents under `.`: as the directory itself, as berth does
    if (top.name === '.') {
      top.name = posix.basename(posix.normalize(`/${src}`)) || '/';
      return sink(underTop(res, top.name), top);
    }
    await sink(res, top);
  }

  async copyTo(name: string, p: string, source: CopiedEntry & { tar: Readable }, o: { owners: boolean; contentsOnly: boolean }): Promise<void> {
    // The destination as the local copy sees it: normalised, a symlink followed; then docker
    // cp's rules decide the directory to unpack into, which is all PUT /archive takes.
    let dest = posix.normalize(`/${p}`).replace(/(.)\/+$/, '$1');
    let st = await this.statPath(name, dest);
    if (st && isSymlink(st.mode)) {
      dest = linkPath(dest, st.linkTarget);
      st = await this.statPath(name, dest);
    }
    const where = copyRule(dest, source.name, source.isDir, Boolean(st && isDir(st.mode)), Boolean(st), o.contentsOnly);
    const tar = where.rename !== undefined && where.rename !== source.name ? renameTop(source.tar, where.rename) : source.tar;
    await this.api.call('PUT', path(name, '/archive'), { query: { path: where.dir, copyUIDGID: o.owners || undefined, noOverwriteDirNonDir: true }, body: tar, headers: { 'Content-Type': 'application/x-tar' } });
  }

  async *stats(name: string, o: { stream: boolean }): AsyncGenerator<ContainerStats> {
    const body = await this.api.stream('GET', path(name, '/stats'), { query: { stream: o.stream } });
    yield* jsonMessages<ContainerStats>(body);
  }

  async update(name: string, u: ContainerUpdate): Promise<void> {
    await this.api.call('POST', path(name, '/update'), { body: u });
  }

  async prune(filters?: string[]): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    const r = await this.api.call<{ ContainersDeleted: string[] | null; SpaceReclaimed?: number }>('POST', '/containers/prune', { query: { filters: filtersQuery(filters) } });
    return { ContainersDeleted: r.ContainersDeleted ?? [], SpaceReclaimed: r.SpaceReclaimed ?? 0 };
  }

}
