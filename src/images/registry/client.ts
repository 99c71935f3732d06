// OCI distribution client: manifests, blobs (with Range resume), uploads, cross-repository
// mounts, and the auth dance (anonymous, Basic, Bearer token from WWW-Authenticate).
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { PassThrough, Readable } from 'node:stream';
import { BerthError, notFound, unauthorized } from '../../errors.js';
import type { Credentials } from './credentials.js';
import { MANIFEST_ACCEPT } from '../manifest.js';
import { log } from '../../util/log.js';
import { tlsTrust } from '../../util/tls.js';

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
let httpsAgent: https.Agent | undefined;
/** Made on first use: it carries the extra CA certificates berth trusts (src/util/tls.ts). */
const secureAgent = (): https.Agent => (httpsAgent ??= new https.Agent({ keepAlive: true, maxSockets: 16, ...tlsTrust() }));

export interface Endpoint {
  /** base URL, e.g. http://127.0.0.1:5000 */
  url: string;
  /** true for the registry itself, false for a mirror (mirrors are pull-only) */
  primary: boolean;
}

export function isLoopbackHost(domain: string): boolean {
  const host = domain.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function registryEndpoints(domain: string, insecure: string[], mirrors: Record<string, string[]>): Endpoint[] {
  const plain = isLoopbackHost(domain) || insecure.includes(domain);
  const host = domain === 'docker.io' ? 'registry-1.docker.io' : domain;
  const own: Endpoint = { url: `${plain ? 'http' : 'https'}://${host}`, primary: true };
  const mirrorEps = (mirrors[domain] ?? []).map((m) => ({ url: (/^https?:\/\//.test(m) ? m : `https://${m}`).replace(/\/+$/, ''), primary: false }));
  return [...mirrorEps, own];
}

interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]))) params[p[1].toLowerCase()] = (p[2] ?? p[3]).replace(/\\(.)/g, '$1');
  return { scheme, params };
}

export interface RegistryResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** extra scopes (e.g. a mount source) to ask the token server for */
  scopes?: string[];
  timeoutMs?: number;
}

function rawRequest(url: string, opts: RequestOptions & { headers: Record<string, string> }): Promise<IncomingMessage> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method: opts.method ?? 'GET', headers: opts.headers, agent: u.protocol === 'https:' ? secureAgent() : httpAgent }, (res) => {
      log.debug(`${opts.method ?? 'GET'} ${u.toString()}${opts.headers.range ? ` (${opts.headers.range})` : ''} -> ${res.statusCode}`);
      resolve(res);
    });
    req.setTimeout(opts.timeoutMs ?? 60_000, () => req.destroy(new Error(`timed out talking to ${u.host}`)));
    req.on('error', reject);
    if (opts.body instanceof Readable) opts.body.pipe(req);
    else req.end(opts.body);
  });
}

export async function readBody(res: IncomingMessage, limit = 16 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) {
      res.destroy();
      throw new BerthError('corrupt', `response body larger than ${limit} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** A client's settings and tokens as plain data, to hand to a worker thread. */
export interface RepositoryState {
  domain: string;
  repo: string;
  endpoints: Endpoint[];
  endpointIdx: number;
  creds?: Credentials;
  token?: string;
  basic?: string;
}

/** One repository on one registry, with its credentials and cached tokens. */
export class RepositoryClient {
  private token?: string;
  private basic?: string;
  private endpointIdx = 0;

  constructor(
    readonly domain: string,
    readonly repo: string,
    private readonly endpoints: Endpoint[],
    private readonly creds?: Credentials,
  ) {}

  state(): RepositoryState {
    return { domain: this.domain, repo: this.repo, endpoints: this.endpoints, endpointIdx: this.endpointIdx, creds: this.creds, token: this.token, basic: this.basic };
  }

  static fromState(s: RepositoryState): RepositoryClient {
    const c = new RepositoryClient(s.domain, s.repo, s.endpoints, s.creds);
    c.endpointIdx = s.endpointIdx;
    c.token = s.token;
    c.basic = s.basic;
    return c;
  }

  private get base(): string {
    return this.endpoints[this.endpointIdx].url;
  }

  /** Issue a request, authenticating on a 401 challenge and trying mirrors in order. */
  async request(path: string, opts: RequestOptions = {}, forPush = false): Promise<RegistryResponse> {
    const eps = forPush ? this.endpoints.filter((e) => e.primary) : this.endpoints;
    let lastErr: unknown;
    for (let i = forPush ? this.endpoints.length - 1 : this.endpointIdx; i < this.endpoints.length; i++) {
      if (!eps.includes(this.endpoints[i])) continue;
      this.endpointIdx = i;
      try {
        const res = await this.requestOnce(path, opts, forPush);
        if (!this.endpoints[i].primary && res.status >= 400 && res.status !== 401) {
          res.body.resume();
          lastErr = new BerthError('unavailable', `mirror ${this.base}: HTTP ${res.status}`);
          continue;
        }
        return res;
      } catch (e) {
        lastErr = e;
        if (this.endpoints[i].primary) throw e;
      }
    }
    throw lastErr;
  }

  private authHeader(): Record<string, string> {
    if (this.token) return { authorization: `Bearer ${this.token}` };
    if (this.basic) return { authorization: `Basic ${this.basic}` };
    return {};
  }

  private async requestOnce(path: string, opts: RequestOptions, push: boolean): Promise<RegistryResponse> {
    const url = /^https?:\/\//.test(path) ? path : `${this.base}${path}`;
    const send = async () => {
      let res = await rawRequest(url, { ...opts, headers: { ...this.authHeader(), ...opts.headers } });
      let hops = 0;
      while ([301, 302, 303, 307, 308].includes(res.statusCode ?? 0) && res.headers.location && hops++ < 5) {
        res.resume();
        const next = new URL(res.headers.location, url);
        const sameHost = next.host === new URL(url).host;
        res = await rawRequest(next.toString(), { ...opts, headers: { ...(sameHost ? this.authHeader() : {}), ...opts.headers } });
      }
      return res;
    };
    let res = await send();
    if (res.statusCode === 401 && !(opts.body instanceof Readable)) {
      const challenge = parseChallenge(res.headers['www-authenticate'] as string | undefined);
      res.resume();
      if (challenge) {
        await this.authenticate(challenge, push, opts.scopes ?? []);
        res = await send();
      }
    }
    return { status: res.statusCode ?? 0, headers: res.headers, body: res };
  }

  private async authenticate(ch: Challenge, push: boolean, extraScopes: string[]): Promise<void> {
    const c = this.creds;
    if (ch.scheme === 'basic') {
      if (!c) throw unauthorized(`${this.domain}: authentication required: run "berth login ${this.domain}"`);
      this.basic = Buffer.from(`${c.username}:${c.password}`).toString('base64');
      return;
    }
    const realm = ch.params.realm;
    if (!realm) throw unauthorized(`${this.domain}: bearer challenge without realm`);
    const u = new URL(realm);
    if (ch.params.service) u.searchParams.set('service', ch.params.service);
    const scopes = [...(this.repo ? [`repository:${this.repo}:${push ? 'pull,push' : 'pull'}`] : []), ...extraScopes];
    for (const s of scopes) u.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (c) headers.authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    const res = await rawRequest(u.toString(), { headers });
    const body = await readBody(res, 1 << 20);
    if (res.statusCode === 401 || res.statusCode === 403) throw unauthorized(`${this.domain}: token request denied (${res.statusCode}): check your credentials (berth login ${this.domain})`);
    if (res.statusCode !== 200) throw new BerthError('unavailable', `${this.domain}: token server ${u.host} answered HTTP ${res.statusCode}`);
    const j = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string };
    this.token = j.token ?? j.access_token;
    if (!this.token) throw unauthorized(`${this.domain}: token server returned no token`);
  }

  /** Turn a failed response into a clear error. */
  async failure(res: RegistryResponse, what: string): Promise<never> {
    const body = await readBody(res.body, 1 << 20).catch(() => Buffer.alloc(0));
    let detail = '';
    try {
      const j = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code: string; message: string }> };
      detail = j.errors?.map((e) => `${e.code}: ${e.message}`).join('; ') ?? '';
    } catch {
      /* not a JSON error body */
    }
    const msg = `${what}: ${detail || `received unexpected HTTP status: ${res.status} ${http.STATUS_CODES[res.status] ?? ''}`.trim()}`;
    if (res.status === 401 || res.status === 403) throw unauthorized(`${msg}${this.creds ? '' : ` (run "berth login ${this.domain}")`}`);
    if (res.status === 404) throw notFound(msg);
    throw new BerthError(res.status >= 500 ? 'unavailable' : 'invalid-argument', msg);
  }

  async getManifest(reference: string, method: 'GET' | 'HEAD' = 'GET'): Promise<{ body: Buffer; mediaType?: string; digest?: string; status: number }> {
    const res = await this.request(`/v2/${this.repo}/manifests/${reference}`, { method, headers: { accept: MANIFEST_ACCEPT } });
    if (res.status !== 200) {
      if (method === 'HEAD') res.body.resume();
      if (res.status === 404) {
        res.body.resume();
        throw notFound(`manifest for ${this.domain}/${this.repo}:${reference} not found: manifest unknown`);
      }
      return this.failure(res, `${this.domain}/${this.repo}:${reference}`);
    }
    const body = method === 'HEAD' ? (res.body.resume(), Buffer.alloc(0)) : await readBody(res.body, 4 << 20);
    return { body, mediaType: (res.headers['content-type'] as string | undefined)?.split(';')[0], digest: res.headers['docker-content-digest'] as string | undefined, status: res.status };
  }

  /**
   * The bytes of a blob as one stream. A connection dropped part way is resumed with a
   * Range request from where it stopped (up to `retries` times); a server that ignores
   * Range fails the stream rather than send bytes twice.
   */
  blob(digest: string, size: number, retries = 3): Readable {
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    let received = 0;
    const attempt = async (left: number): Promise<void> => {
      const headers: Record<string, string> = {};
      if (received > 0) headers.range = `bytes=${received}-`;
      let res: RegistryResponse;
      try {
        res = await this.request(`/v2/${this.repo}/blobs/${digest}`, { headers, timeoutMs: 30_000 });
      } catch (e) {
        if (left > 0) return retryLater(left, e);
        throw e;
      }
      if (res.status >= 500 && left > 0) {
        res.body.resume();
        return retryLater(left, undefined);
      }
      if (received > 0 ? res.status !== 206 : res.status !== 200) {
        if (received > 0 && res.status === 200) {
          res.body.destroy();
          throw new BerthError('unavailable', `blob ${digest}: registry ignored the Range request on resume`);
        }
        return this.failure(res, `blob ${digest}`);
      }
      await new Promise<void>((resolve, reject) => {
        res.body.on('data', (c: Buffer) => {
          received += c.length;
          if (received > size) {
            res.body.destroy();
            reject(new BerthError('corrupt', `blob ${digest}: registry sent more than the ${size} bytes the manifest declares`));
            return;
          }
          if (!out.write(c)) {
            res.body.pause();
            out.once('drain', () => res.body.resume());
          }
        });
        res.body.on('end', () => resolve());
        res.body.on('aborted', () => reject(new Error('connection closed')));
        res.body.on('error', reject);
      }).catch((e: unknown) => {
        if (e instanceof BerthError) throw e;
        if (received < size && left > 0) return retryLater(left, e);
        throw e;
      });
      if (received < size) {
        if (left > 0) return retryLater(left, undefined);
        throw new BerthError('unavailable', `blob ${digest}: connection closed after ${received} of ${size} bytes`);
      }
    };
    const retryLater = async (left: number, _cause: unknown): Promise<void> => {
      await new Promise((r) => setTimeout(r, 200 * (4 - left)));
      return attempt(left - 1);
    };
    attempt(retries).then(
      () => out.end(),
      (e: unknown) => out.destroy(e instanceof Error ? e : new Error(String(e))),
    );
    return out;
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.request(`/v2/${this.repo}/blobs/${digest}`, { method: 'HEAD' }, true);
    res.body.resume();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    return this.failure(res, `blob ${digest}`);
  }

  /** Try a cross-repository mount; true when the registry linked the blob. */
  async mountBlob(digest: string, fromRepo: string): Promise<boolean> {
    const res = await this.request(`/v2/${this.repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepo)}`, { method: 'POST', headers: { 'content-length': '0' }, scopes: [`repository:${fromRepo}:pull`] }, true);
    res.body.resume();
    if (res.status === 201) return true;
    if (res.status === 202) {
      // The registry opened an upload instead; cancel it.
      const loc = res.headers.location;
      if (loc) await this.request(new URL(loc, this.base).toString(), { method: 'DELETE' }, true).then((r) => r.body.resume(), () => undefined);
      return false;
    }
    return false;
  }

  async uploadBlob(digest: string, size: number, body: () => Readable): Promise<void> {
    const start = await this.request(`/v2/${this.repo}/blobs/uploads/`, { method: 'POST', headers: { 'content-length': '0' } }, true);
    start.body.resume();
    if (start.status !== 202) return this.failure(start, `upload of ${digest}`);
    const loc = start.headers.location;
    if (!loc) throw new BerthError('unavailable', `upload of ${digest}: registry gave no upload location`);
    const u = new URL(loc, this.base);
    u.searchParams.set('digest', digest);
    const put = await this.request(u.toString(), { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) }, body: body() }, true);
    if (put.status !== 201) return this.failure(put, `upload of ${digest}`);
    put.body.resume();
  }

  async putManifest(reference: string, body: Buffer, mediaType: string): Promise<string | undefined> {
    const res = await this.request(`/v2/${this.repo}/manifests/${reference}`, { method: 'PUT', headers: { 'content-type': mediaType, 'content-length': String(body.length) }, body }, true);
    if (res.status !== 201 && res.status !== 200) return this.failure(res, `manifest ${this.domain}/${this.repo}:${reference}`);
    res.body.resume();
    return res.headers['docker-content-digest'] as string | undefined;
  }

  /** GET /v2/ — used by login to check credentials. */
  async ping(): Promise<void> {
    const res = await this.request('/v2/', {});
    res.body.resume();
    if (res.status === 200) return;
    if (res.status === 401) throw unauthorized(`login to ${this.domain} failed: unauthorized: incorrect username or password`);
    return this.failure(res, `${this.domain}`);
  }
}

/** All tags of a repository (GET /v2/<name>/tags/list, following Link pagination). */
export async function listTags(client: RepositoryClient): Promise<string[]> {
  const tags: string[] = [];
  let path: string | undefined = `/v2/${client.repo}/tags/list?n=1000`;
  for (let page = 0; path && page < 100; page++) {
    const res = await client.request(path);
    if (res.status !== 200) return client.failure(res, `tags of ${client.domain}/${client.repo}`);
    const j = JSON.parse((await readBody(res.body)).toString('utf8')) as { tags?: string[] | null };
    tags.push(...(j.tags ?? []));
    const link = /<([^>]+)>;\s*rel="?next"?/.exec(String(res.headers.link ?? ''));
    path = link?.[1];
  }
  return tags;
}
