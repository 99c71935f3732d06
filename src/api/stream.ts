// Long-lived responses: docker's multiplexed stream framing, and the "hijacked" connection of
// attach and exec start (a 101 Upgrade: tcp, or for clients that did not ask to upgrade a
// 200 whose body streams), as one duplex-like handle.
import type { Readable } from 'node:stream';
import type { ApiRequest } from './http.js';

export const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
export const RAW = 'application/vnd.docker.raw-stream';

/** One frame of docker's stdcopy format: stream (0 stdin, 1 stdout, 2 stderr), 3 zero bytes, u32 BE size. */
export function frame(stream: 0 | 1 | 2, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(data.length, 4);
  return Buffer.concat([h, data]);
}

export interface Hijacked {
  /** what the client sends (stdin) */
  input: Readable;
  write(d: Buffer | string): void;
  /** writes stdout/stderr as frames when multiplexed, raw otherwise */
  out(stream: 'stdout' | 'stderr', d: Buffer): void;
  end(): void;
  /** settles when the client goes away or the stream ends */
  closed: Promise<void>;
  isClosed(): boolean;
}

export function hijack(r: ApiRequest, multiplexed: boolean): Hijacked {
  const contentType = multiplexed ? MULTIPLEXED : RAW;
  let isClosed = false;
  let done!: () => void;
  const closed = new Promise<void>((res) => (done = () => {
    isClosed = true;
    res();
  }));
  const out = (write: (d: Buffer) => void) => (stream: 'stdout' | 'stderr', d: Buffer) => {
    if (isClosed || d.length === 0) return;
    write(multiplexed ? frame(stream === 'stderr' ? 2 : 1, d) : d);
  };
  if (r.upgrade) {
    const { socket, head } = r.upgrade;
    socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    if (head.length) socket.unshift(head);
    socket.on('close', done);
    socket.on('error', done);
    const write = (d: Buffer | string) => {
      if (!isClosed) socket.write(d);
    };
    return {
      input: socket,
      write,
      out: out((d) => write(d)),
      end: () => {
        if (!isClosed) socket.end();
        done();
      },
      closed,
      isClosed: () => isClosed,
    };
  }
  const res = r.res!;
  res.writeHead(200, { 'Content-Type': contentType });
  res.flushHeaders();
  res.on('close', done);
  const write = (d: Buffer | string) => {
    if (!isClosed) res.write(d);
  };
  return {
    input: r.req,
    write,
    out: out((d) => write(d)),
    end: () => {
      if (!isClosed) res.end();
      done();
    },
    closed,
    isClosed: () => isClosed,
  };
}

/** A streamed JSON response (pull progress, events, stats): one object per line. */
export function jsonStream(r: ApiRequest): { send(v: unknown): void; end(): void; closed: Promise<void>; isClosed(): boolean } {
  const res = r.res!;
  let isClosed = false;
  let done!: () => void;
  const closed = new Promise<void>((ok) => (done = () => {
    isClosed = true;
    ok();
  }));
  res.on('close', done);
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.flushHeaders();
  return {
    send(v) {
      if (!isClosed) res.write(JSON.stringify(v) + '\n');
    },
    end() {
      if (!isClosed) res.end();
      done();
    },
    closed,
    isClosed: () => isClosed,
  };
}
