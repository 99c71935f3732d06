// GET /containers/{id}/attach/ws: attach over a websocket (browser consoles, IDEs). What the
// container writes comes as its raw bytes (never docker's multiplexed framing, tty or not),
// in binary frames (text frames before API 1.28, as dockerd); what the client sends is the
// container's stdin. Before API 1.42 dockerd attached every stream whatever the query said;
// from 1.42 on only those asked for.
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import type { WebSocket } from 'ws';
import { bool, versionAtLeast, type ApiRequest } from './http.js';
import type { Hijacked } from './stream.js';
import { attach } from './attach.js';
import { ContainerService } from '../engine/containers.js';
import { invalid } from '../errors.js';

// Loaded when a websocket is asked for, not by every CLI command (the bundle stays lean).
const require = createRequire(import.meta.url);
const wsModule = (): typeof import('ws') => require('ws');

function overWebsocket(ws: WebSocket, binary: boolean): Hijacked {
  const input = new PassThrough();
  let isClosed = false;
  let done!: () => void;
  const closed = new Promise<void>((resolve) => (done = resolve));
  const close = () => {
    if (isClosed) return;
    isClosed = true;
    input.end();
    done();
  };
  ws.on('message', (d: Buffer | ArrayBuffer | Buffer[]) => {
    if (!isClosed) input.write(Buffer.isBuffer(d) ? d : Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d));
  });
  ws.on('close', close);
  ws.on('error', close);
  const write = (d: Buffer | string) => {
    if (!isClosed && ws.readyState === ws.OPEN) ws.send(d, { binary });
  };
  return {
    input,
    write,
    out: (_stream, d) => {
      if (d.length) write(d);
    },
    end: () => {
      if (!isClosed) ws.close(1000);
      close();
    },
    closed,
    isClosed: () => isClosed,
  };
}

export async function attachWebsocket(r: ApiRequest): Promise<void> {
  if (!r.upgrade || String(r.req.headers.upgrade).toLowerCase() !== 'websocket') throw invalid('attach/ws needs a websocket upgrade request');
  const svc = new ContainerService(r.engine);
  const c = await svc.get(r.params.id);
  const { WebSocketServer } = wsModule();
  const server = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const { socket, head } = r.upgrade;
  const ws = await new Promise<WebSocket>((resolve) => server.handleUpgrade(r.req, socket, head, resolve));
  socket.resume();
  const conn = overWebsocket(ws, versionAtLeast(r.version, '1.28'));
  const q = r.query;
  const all = !versionAtLeast(r.version, '1.42');
  await attach(svc, c, conn, {
    stdin: all || bool(q, 'stdin'),
    stdout: all || bool(q, 'stdout'),
    stderr: all || bool(q, 'stderr'),
    logs: bool(q, 'logs'),
    stream: bool(q, 'stream'),
    detachKeys: q.get('detachKeys') ?? undefined,
  });
}
