// The Docker Engine API as a client speaks it: plain calls with JSON, streamed bodies
// (logs, events, pull progress), and hijacked connections (attach, exec start). Paths go
// unversioned, which both berth's service and dockerd answer at their newest version.
import { request, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Duplex, type Readable } from 'node:stream';
import { BerthError, type ErrorKind } from '../../errors.js';
import type { Connector } from './transport.js';
import type { CredentialStore } from '../../images/registry/credentials.js';

/** a list is sent as the key repeated (build's `t`, import's `changes`) */
export type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface CallOptions {
  query?: Query;
  /** a JSON body, or a stream sent as it comes (a tar) */
  body?: unknown;
  headers?: OutgoingHttpHeaders;
  /** statuses that are answers rather than errors (304 for start of a started container) */
  accept?: number[];
}

const KIND: Record<number, ErrorKind> = { 400: 'invalid-argument', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 409: 'conflict', 501: 'not-implemented', 503: 'unavailable' };

function search(q: Query | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else if (v !== undefined) p.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

const isStream = (b: unknown): b is Readable => typeof (b as Readable)?.pipe === 'function';

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The engine's error, rebuilt from docker's `{"message": ...}` and the status. */
async function failure(res: IncomingMessage): Promise<BerthError> {
  const text = (await readAll(res)).toString();
  let message = text.trim();
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    // not JSON: the text as it came
  }
  const status = res.statusCode ?? 500;
  return new BerthError(KIND[status] ?? 'runtime', message || `request failed with status ${status}`);
}

export class ApiClient {
  /** every connection opened, so that close() can end those still waiting (a wait whose start failed) */
  private readonly open = new Set<Duplex>();

  /**
   * `credentials`: the client's registry credentials (docker's config.json), which pulls and
   * pushes hand the engine per request (X-Registry-Auth), as the docker CLI does.
   */
  constructor(private readonly connector: Connector, readonly where: string, readonly credentials?: CredentialStore) {}

  private async connection(): Promise<Duplex> {
    const c = await this.connector.connect();
    this.open.add(c);
    c.once('close', () => this.open.delete(c));
    return c;
  }

  close(): void {
    for (const c of this.open) c.destroy();
    this.open.clear();
    this.connector.close();
  }

  private send(method: string, path: string, o: CallOptions, upgrade: boolean): Promise<{ res: IncomingMessage; socket?: Duplex }> {
    return new Promise((resolve, reject) => {
      const headers: OutgoingHttpHeaders = { Host: 'berth', ...o.headers };
      let payload: Buffer | undefined;
      if (o.body !== undefined && !isStream(o.body)) {
        payload = Buffer.from(JSON.stringify(o.body));
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = payload.length;
      }
      if (upgrade) Object.assign(headers, { Connection: 'Upgrade', Upgrade: 'tcp' });
      const req = request({ method, path: `${path}${search(o.query)}`, headers, createConnection: ((_: unknown, done: (e: Error | null, s?: Duplex) => void) => void this.connection().then((s) => done(null, s), (e: Error) => done(e))) as never });
      req.on('error', (e) => reject(new BerthError('unavailable', `cannot reach the engine at ${this.where}: ${e.message}`)));
      req.on('upgrade', (res, socket, head) => {
        if (head.length) socket.unshift(head);
        resolve({ res, socket });
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 500;
        if (status >= 400 && !o.accept?.includes(status)) return void failure(res).then(reject, reject);
        resolve({ res, ...(upgrade ? { socket: req.socket as Duplex } : {}) });
      });
      if (isStream(o.body)) {
        // a body that fails (a file that cannot be read) ends the request with its own error
        o.body.once('error', (e) => {
          req.destroy();
          reject(e);
        });
        o.body.pipe(req);
      }
      else req.end(payload);
    });
  }

  /** A call whose answer is read whole: JSON when it is JSON, undefined when empty. */
  async call<T = unknown>(method: string, path: string, o: CallOptions = {}): Promise<T> {
    const { res } = await this.send(method, path, o, false);
    const body = await readAll(res);
    if (!body.length) return undefined as T;
    return (String(res.headers['content-type']).includes('json') ? JSON.parse(body.toString()) : body.toString()) as T;
  }

  /** A call whose body the caller reads as it streams. */
  async stream(method: string, path: string, o: CallOptions = {}): Promise<IncomingMessage> {
    return (await this.send(method, path, o, false)).res;
  }

  /**
   * attach and exec start: the connection itself, after the 101 (or the 200 of an old server).
   * Whether it is framed is the caller's to know from the tty (engines before API 1.42 do not say).
   */
  async hijack(method: string, path: string, o: CallOptions = {}): Promise<{ socket: Duplex }> {
    const { res, socket } = await this.send(method, path, o, true);
    // a 200 that streams: read the body from the response, write stdin to the connection
    if (res.statusCode !== 101) return { socket: Duplex.from({ readable: res, writable: socket! }) };
    return { socket: socket! };
  }
}

/** Each line of a stream of JSON messages (events, pull and build progress), as it comes, untouched. */
export async function* jsonLines(body: Readable): AsyncGenerator<string> {
  let buf = '';
  for await (const chunk of body) {
    buf += (chunk as Buffer).toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield line;
    }
  }
  if (buf.trim()) yield buf.trim();
}

/** Each JSON value of such a stream. */
export async function* jsonMessages<T = Record<string, unknown>>(body: Readable): AsyncGenerator<T> {
  for await (const line of jsonLines(body)) yield JSON.parse(line) as T;
}

/** docker's stdcopy framing read back: 8-byte headers (stream, 0, 0, 0, u32 BE size), then the data. */
export function demux(onData: (stream: 'stdout' | 'stderr', d: Buffer) => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      onData(buf[0] === 2 ? 'stderr' : 'stdout', buf.subarray(8, 8 + size));
      buf = buf.subarray(8 + size);
    }
  };
}
