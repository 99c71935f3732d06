// The Engine API server: node:http on a listening socket, docker's paths with or without a
// /v1.xx prefix, every route a translation to the engine (src/engine). It keeps no state of
// its own: what it knows it reads from the store, as every berth command does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EngineContext } from '../engine/context.js';
import { invalid, notFound } from '../errors.js';
import { log } from '../util/log.js';
import { VERSION } from '../version.js';
import { API_VERSION, MIN_API_VERSION, sendError, sendRawError, versionAtLeast, type ApiRequest, type UpgradedRequest } from './http.js';
import { Router } from './router.js';
import { systemRoutes } from './routes/system.js';
import { buildRoutes } from './routes/build.js';
import { containerRoutes } from './routes/containers.js';
import { execRoutes } from './routes/exec.js';
import { imageRoutes } from './routes/images.js';
import { networkRoutes } from './routes/networks.js';
import { volumeRoutes } from './routes/volumes.js';

export interface ApiServer {
  server: Server;
  /** requests (streams included) in flight */
  active(): number;
  /** called whenever the number of requests in flight drops to zero */
  onIdle(fn: () => void): void;
}

export function apiRouter(): Router {
  const r = new Router();
  systemRoutes(r);
  buildRoutes(r);
  containerRoutes(r);
  execRoutes(r);
  imageRoutes(r);
  networkRoutes(r);
  volumeRoutes(r);
  return r;
}

/** Reads Content-Length bytes of an upgraded request into req (see readBody); returns what came after. */
async function upgradeBody(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<Buffer> {
  const len = Number(req.headers['content-length'] ?? 0);
  let buf = head;
  if (len > 0) {
    if (len > 1 << 20) throw new Error('body too large');
    while (buf.length < len) {
      const chunk = await new Promise<Buffer | undefined>((resolve) => {
        const onData = (d: Buffer) => {
          socket.off('end', onEnd);
          resolve(d);
        };
        const onEnd = () => {
          socket.off('data', onData);
          resolve(undefined);
        };
        socket.once('data', onData);
        socket.once('end', onEnd);
      });
      if (!chunk) break;
      buf = Buffer.concat([buf, chunk]);
    }
    socket.pause();
  }
  (req as UpgradedRequest).upgradeBody = buf.subarray(0, len);
  return buf.subarray(len);
}

const VERSIONED = /^\/v(\d+\.\d+)(\/.*)$/;

export function createApiServer(engine: EngineContext): ApiServer {
  const router = apiRouter();
  let inFlight = 0;
  const idle: Array<() => void> = [];
  const begin = () => inFlight++;
  const finish = () => {
    if (--inFlight === 0) for (const f of idle) f();
  };

  async function dispatch(req: IncomingMessage, res: ServerResponse | undefined, upgrade?: { socket: Duplex; head: Buffer }): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://berth');
    let path = url.pathname;
    let version = API_VERSION;
    const m = VERSIONED.exec(path);
    if (m) {
      version = m[1];
      path = m[2];
    }
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const method = req.method ?? 'GET';
    log.debug(`api: ${method} ${req.url}`);
    if (res) {
      res.setHeader('Api-Version', API_VERSION);
      res.setHeader('Server', `Berth/${VERSION} (linux)`);
      res.setHeader('Ostype', 'linux');
    }
    try {
      if (m && !versionAtLeast(version, MIN_API_VERSION)) throw invalid(`client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
      const found = router.match(method, path);
      if (found === 'method') throw Object.assign(invalid(`method ${method} not allowed for ${path}`), {});
      if (!found) throw notFound(`page not found: ${method} ${path}`);
      const r: ApiRequest = { req, res, upgrade, params: found.params, query: url.searchParams, version, engine };
      await found.handler(r);
    } catch (e) {
      log.debug(`api: ${method} ${req.url}: ${(e as Error).message}`);
      if (res) sendError(res, e);
      else if (upgrade) sendRawError(upgrade.socket, e);
    }
  }

  const server = createServer({ keepAliveTimeout: 5000, requestTimeout: 0 }, (req, res) => {
    begin();
    res.on('close', finish);
    void dispatch(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    begin();
    socket.on('close', finish);
    socket.on('error', () => undefined);
    // The request's own body (exec start's JSON) comes first; what follows is the stream.
    void upgradeBody(req, socket, head).then(
      (rest) => dispatch(req, undefined, { socket, head: rest }),
      () => socket.destroy(),
    );
  });
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  return {
    server,
    active: () => inFlight,
    onIdle: (fn) => idle.push(fn),
  };
}
