// X-Registry-Auth: the client's credentials for one pull or push (base64url JSON), used for
// that request only, in place of what the service's own docker config holds.
import type { IncomingMessage } from 'node:http';
import { RequestContext, type EngineContext } from '../engine/context.js';
import type { Credentials } from '../images/registry/credentials.js';
import { invalid } from '../errors.js';

export function registryAuth(req: IncomingMessage): Credentials | undefined {
  const h = req.headers['x-registry-auth'];
  if (typeof h !== 'string' || !h) return undefined;
  let v: { username?: string; password?: string; identitytoken?: string; registrytoken?: string };
  try {
    v = JSON.parse(Buffer.from(h.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    throw invalid('invalid X-Registry-Auth header: expected base64 JSON');
  }
  if (!v || typeof v !== 'object') return undefined;
  if (!v.username && !v.identitytoken) return undefined;
  return { username: v.username ?? '', password: v.password ?? '', ...(v.identitytoken ? { identityToken: v.identitytoken } : {}) };
}

/** The engine to pull or push with: the service's, or one with the request's credentials (closed by `done`). */
export function engineFor(base: EngineContext, req: IncomingMessage): { engine: EngineContext; done(): void } {
  const creds = registryAuth(req);
  if (!creds) return { engine: base, done: () => undefined };
  const engine = new RequestContext(base, creds);
  return { engine, done: () => engine.close() };
}
