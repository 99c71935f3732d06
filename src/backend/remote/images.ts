// The image half of the remote backend: each operation as the docker CLI asks dockerd, with
// registry credentials from the client's own store sent per request (X-Registry-Auth).
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import type { ArchiveFormat, BuildCachePrune, BuildOptions, BuildOutput, CommitOptions, DeleteItem, HistoryItem, ImageBackend, ImageInspect, ImageSummary, ImportOptions, PruneReport, PushedTag } from '../images.js';
import { BuildFailure } from '../images.js';
import type { ProgressEvent, ProgressSink } from '../../images/progress.js';
import { BerthError, notImplemented } from '../../errors.js';
import { familiarName, parseReference, repositoryName, type Reference } from '../../images/reference.js';
import { jsonMessages, type ApiClient } from './client.js';
import { filtersQuery } from './containers.js';

/** docker's JSONMessage, as pull, push, load, import and build stream it. */
type Message = ProgressEvent & { stream?: string; aux?: Record<string, unknown>; error?: string; errorDetail?: { message?: string } };

/** An image name in a path: slashes kept (the engine routes on them), everything else escaped. */
const path = (name: string, what = '') => `/images/${name.split('/').map((s) => encodeURIComponent(s).replace(/%3A/g, ':').replace(/%40/g, '@')).join('/')}${what}`;

const streamError = (m: Message) => m.errorDetail?.message ?? m.error;

/** An error the engine sent in a stream: "not found" when it says so (exit codes follow the kind). */
function failed(err: string): BerthError {
  return new BerthError(/not found|unknown|denied|does not exist/i.test(err) ? 'not-found' : 'runtime', err);
}

/** Every message of a JSON stream to `each`; an error message is thrown. */
async function follow(body: Readable, each: (m: Message) => void): Promise<void> {
  for await (const m of jsonMessages<Message>(body)) {
    const err = streamError(m);
    if (err) throw failed(err);
    each(m);
  }
}

/** X-Registry-Auth for the registry of `ref`: the client's credentials for it, as the docker CLI encodes them (base64url JSON). */
export async function registryAuth(api: ApiClient, ref: Pick<Reference, 'domain'>): Promise<Record<string, string>> {
  const creds = await api.credentials?.get(ref.domain);
  if (!creds) return {};
  const { credentialKey } = await import('../../images/registry/credentials.js');
  const serveraddress = credentialKey(ref.domain);
  const config = creds.identityToken ? { identitytoken: creds.identityToken, serveraddress } : { username: creds.username, password: creds.password, serveraddress };
  return { 'X-Registry-Auth': Buffer.from(JSON.stringify(config)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_') };
}

/** POST /images/create as docker's CLI sends it: the name, and the tag or digest apart (none at all: every tag). */
async function create(api: ApiClient, ref: Reference, platform: string | undefined, progress: ProgressSink): Promise<void> {
  const query = { fromImage: familiarName(repositoryName(ref)), tag: ref.digest ?? ref.tag, platform };
  const body = await api.stream('POST', '/images/create', { query, headers: await registryAuth(api, ref) });
  await follow(body, (m) => progress(m));
}

/** The pull on the way to create (run, create --pull): its JSON progress handed on, an error in the stream thrown. */
export async function pullThrough(api: ApiClient, ref: string, platform: string | undefined, progress: ProgressSink): Promise<void> {
  await create(api, parseReference(ref), platform, progress);
}

export class RemoteImages implements ImageBackend {
  constructor(private readonly api: ApiClient) {}

  list(o: { all?: boolean; filters?: string[] }): Promise<ImageSummary[]> {
    return this.api.call('GET', '/images/json', { query: { all: o.all, filters: filtersQuery(o.filters) } });
  }

  inspect(name: string): Promise<ImageInspect> {
    return this.api.call('GET', path(name, '/json'));
  }

  history(name: string): Promise<HistoryItem[]> {
    return this.api.call('GET', path(name, '/history'));
  }

  pull(ref: string, o: { allTags?: boolean; platform?: string }, progress: ProgressSink): Promise<void> {
    return create(this.api, parseReference(ref, { defaultTag: !o.allTags }), o.platform, progress);
  }

  async push(ref: string, o: { allTags?: boolean }, progress: ProgressSink): Promise<PushedTag[]> {
    const r = parseReference(ref, { defaultTag: !o.allTags });
    const name = familiarName(repositoryName(r)) + (r.digest ? `@${r.digest}` : '');
    const body = await this.api.stream('POST', path(name, '/push'), { query: { tag: r.tag }, headers: await registryAuth(this.api, r) });
    const pushed: PushedTag[] = [];
    await follow(body, (m) => {
      if (m.aux && typeof m.aux.Tag === 'string') pushed.push(m.aux as unknown as PushedTag);
      else if (m.status !== undefined) progress(m);
    });
    return pushed;
  }

  async tag(source: string, target: string): Promise<void> {
    await this.api.call('POST', path(source, '/tag'), { query: { repo: target } });
  }

  remove(name: string, o: { force?: boolean; noPrune?: boolean }): Promise<DeleteItem[]> {
    return this.api.call('DELETE', path(name), { query: { force: o.force, noprune: o.noPrune } });
  }

  async prune(o: { all?: boolean; filters?: string[] }): Promise<PruneReport> {
    // as docker's CLI: whether only dangling images go is a filter
    return this.api.call('POST', '/images/prune', { query: { filters: filtersQuery([`dangling=${!o.all}`, ...(o.filters ?? [])]) } });
  }

  async save(names: string[], format: ArchiveFormat, out: Writable): Promise<void> {
    if (format !== 'docker-archive') throw notImplemented(`--format ${format} works on this host's engine only: the Engine API saves docker-archive`);
    const body = await this.api.stream('GET', '/images/get', { query: { names } });
    await pipeline(body, out);
  }

  async load(input: Readable): Promise<string> {
    const body = await this.api.stream('POST', '/images/load', { body: input, headers: { 'Content-Type': 'application/x-tar' } });
    let text = '';
    await follow(body, (m) => {
      if (m.stream) text += m.stream;
    });
    return text;
  }

  async import(o: ImportOptions): Promise<string> {
    const query = { fromSrc: o.source, repo: o.reference, message: o.message, changes: o.changes, platform: o.platform };
    const body = await this.api.stream('POST', '/images/create', { query, ...(o.source === '-' ? { body: o.input, headers: { 'Content-Type': 'application/x-tar' } } : {}) });
    let id = '';
    await follow(body, (m) => {
      if (m.status) id = m.status.trim();
    });
    return id;
  }

  async commit(container: string, o: CommitOptions): Promise<string> {
    const query = { container, repo: o.reference, comment: o.message, author: o.author, pause: o.pause, changes: o.changes };
    return (await this.api.call<{ Id: string }>('POST', '/commit', { query, body: {} })).Id;
  }

  async build(o: BuildOptions, output: BuildOutput): Promise<string> {
    if (o.secrets.size) throw notImplemented('--secret needs BuildKit: build secrets work on this host\'s engine only, not over the Engine API\'s POST /build');
    const { tar, dockerfile } = await sendable(o);
    const query = {
      t: o.tags,
      dockerfile,
      buildargs: o.buildArgs.size ? JSON.stringify(Object.fromEntries(o.buildArgs)) : undefined,
      labels: Object.keys(o.labels).length ? JSON.stringify(o.labels) : undefined,
      target: o.target,
      nocache: o.noCache || undefined,
      pull: o.pull || undefined,
      q: o.quiet || undefined,
      networkmode: o.network,
      platform: o.platform,
      rm: true,
    };
    const body = await this.api.stream('POST', '/build', { query, body: tar, headers: { 'Content-Type': 'application/x-tar' } });
    let id = '';
    for await (const m of jsonMessages<Message>(body)) {
      const err = streamError(m);
      // berth's engine says it as BuildKit does (`ERROR: failed to build: ...`); another engine's message is an error like any other
      if (err) throw /(^|\n)ERROR: failed to build: /.test(err) ? new BuildFailure(err) : failed(err);
      if (m.aux && typeof m.aux.ID === 'string') id = m.aux.ID;
      // the classic builder's closing lines say what this command prints itself (or nothing, as a local build)
      else if (m.stream && !o.quiet && !/^Successfully (built|tagged) /.test(m.stream)) output.text(m.stream);
    }
    if (!id) throw new BerthError('runtime', 'the engine did not say which image it built');
    return id;
  }
  async pruneBuildCache(o: { all: boolean }): Promise<BuildCachePrune> {
    const r = await this.api.call<Partial<BuildCachePrune> & { CachesDeleted?: string[] | null }>('POST', '/build/prune', { query: { all: o.all } });
    return { CachesDeleted: r.CachesDeleted ?? [], SpaceReclaimed: r.SpaceReclaimed ?? 0 };
  }
}

/** The context and Dockerfile of a build as they go over the wire (see build/context-tar.ts). */
async function sendable(o: BuildOptions): Promise<{ tar: Readable; dockerfile?: string }> {
  if ('tar' in o.context) {
    if (o.dockerfile && 'text' in o.dockerfile) throw new BerthError('invalid-argument', 'a Dockerfile from stdin needs a context directory');
    if (o.dockerfile && o.dockerfile.path.startsWith('/')) throw notImplemented('with a context from stdin, -f names a file inside that context for a remote engine');
    return { tar: o.context.tar, dockerfile: o.dockerfile?.path };
  }
  const [{ contextTar }, { BuildInputError }, { BuildError }] = await Promise.all([import('../../build/context-tar.js'), import('../../build/context.js'), import('../../build/step.js')]);
  try {
    return contextTar(o.context, o.dockerfile ?? { path: 'Dockerfile' });
  } catch (e) {
    // what a local build says about a missing directory or Dockerfile
    throw e instanceof BuildInputError ? new BuildFailure(new BuildError(e.message).report()) : e;
  }
}
