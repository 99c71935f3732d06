// The small HTTP vocabulary the handlers share: parsed requests, JSON replies, docker's
// query conventions (1/true booleans, JSON filters), and errors as {"message": ...}.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BerthError, errorMessage, httpStatus, invalid } from '../errors.js';
import type { EngineContext } from '../engine/context.js';

export { API_VERSION, MIN_API_VERSION } from '../version.js';

export interface ApiRequest {
  req: IncomingMessage;
  /** the response; absent for a hijacked (Upgrade) request, which has `socket` instead */
  res?: ServerResponse;
  /** the raw connection of an upgraded request, and what was read past its headers */
  upgrade?: { socket: Duplex; head: Buffer };
  params: Record<string, string>;
  query: URLSearchParams;
  /** the version in the path (/v1.41/...), or the newest */
  version: string;
  engine: EngineContext;
}

export type Handler = (r: ApiRequest) => Promise<void> | void;

export function versionAtLeast(v: string, min: string): boolean {
  const [a, b] = v.split('.').map(Number);
  const [c, d] = min.split('.').map(Number);
  return a > c || (a === c && b >= d);
}

export function bool(q: URLSearchParams, key: string, dflt = false): boolean {
  const v = q.get(key);
  if (v === null || v === '') return dflt;
  return !/^(0|false|no)$/i.test(v);
}

export function int(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw invalid(`invalid value for ${key}: "${v}"`);
  return Number(v);
}

/** docker's filters: JSON `{"key": ["v"]}` or `{"key": {"v": true}}`, as `key=v` strings. */
export function filters(q: URLSearchParams): string[] {
  const raw = q.get('filters');
  if (!raw) return [];
  let f: unknown;
  try {
    f = JSON.parse(raw);
  } catch {
    throw invalid(`invalid filters: ${raw}`);
  }
  if (typeof f !== 'object' || f === null || Array.isArray(f)) throw invalid(`invalid filters: ${raw}`);
  const out: string[] = [];
  for (const [k, v] of Object.entries(f as Record<string, unknown>)) {
    if (Array.isArray(v)) for (const x of v) out.push(`${k}=${String(x)}`);
    else if (v && typeof v === 'object') for (const [x, on] of Object.entries(v)) if (on) out.push(`${k}=${x}`);
    else throw invalid(`invalid filters: ${raw}`);
  }
  return out;
}

export function filterMap(list: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const s of list) {
    const i = s.indexOf('=');
    (m.get(s.slice(0, i)) ?? m.set(s.slice(0, i), []).get(s.slice(0, i))!).push(s.slice(i + 1));
  }
  return m;
}

/** An upgraded request's body, read off the socket before the stream (server.ts). */
export type UpgradedRequest = IncomingMessage & { upgradeBody?: Buffer };

export async function readBody(req: IncomingMessage, limit = 16 << 20): Promise<Buffer> {
  const early = (req as UpgradedRequest).upgradeBody;
  if (early) return early;
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) throw invalid('request body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** The body as JSON; an empty body is `dflt` (docker accepts that where the body is optional). */
export async function readJson<T = Record<string, unknown>>(req: IncomingMessage, dflt?: T): Promise<T> {
  const body = await readBody(req);
  if (body.length === 0 || /^\s*$/.test(body.toString())) {
    if (dflt !== undefined) return dflt;
    throw invalid('request body is empty: expected a JSON object');
  }
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw invalid(`invalid JSON: ${errorMessage(e)}`);
  }
  if (v === null && dflt !== undefined) return dflt;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid('invalid JSON: expected an object');
  return v as T;
}

export function res(r: ApiRequest): ServerResponse {
  if (!r.res) throw new BerthError('internal', 'no response for an upgraded request');
  return r.res;
}

export function json(r: ApiRequest, status: number, body: unknown): void {
  const out = res(r);
  const data = Buffer.from(JSON.stringify(body) + '\n');
  out.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
  out.end(data);
}

export function noContent(r: ApiRequest, status = 204): void {
  const out = res(r);
  out.writeHead(status);
  out.end();
}

/** docker's status for an error: one map (src/errors.ts) for every handler. */
export function errorStatus(e: unknown): number {
  if (e instanceof SyntaxError) return 400;
  return httpStatus(e);
}

export function sendError(out: ServerResponse, e: unknown): void {
  const status = errorStatus(e);
  const data = Buffer.from(JSON.stringify({ message: errorMessage(e) }) + '\n');
  if (out.headersSent) {
    out.destroy();
    return;
  }
  out.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
  out.end(data);
}

/** An error on an upgraded connection, before anything was streamed: a plain HTTP response. */
export function sendRawError(socket: Duplex, e: unknown): void {
  const status = errorStatus(e);
  const data = Buffer.from(JSON.stringify({ message: errorMessage(e) }) + '\n');
  socket.end(`HTTP/1.1 ${status} ${statusText(status)}\r\nContent-Type: application/json\r\nContent-Length: ${data.length}\r\nConnection: close\r\n\r\n${data.toString()}`);
}

function statusText(s: number): string {
  return { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable' }[s] ?? 'Error';
}
