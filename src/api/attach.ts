// POST /containers/{id}/attach over a hijacked connection. With stdin or a tty it goes through
// conmon's attach socket; plain output is read from the log file (nothing is lost between the
// attach and the start). docker's CLI attaches before it starts the container: an attach
// waiting here is connected by a start through this service before the process runs, or,
// when another berth process starts it, as soon as it runs.
import { closeSync, openSync } from 'node:fs';
import type { ContainerService } from '../engine/containers.js';
import type { ContainerRecord } from '../containers/model.js';
import { AttachSocket, DetachKeys, parseDetachKeys } from '../engine/attach.js';
import { LogReader, type LogRecord } from '../containers/logs.js';
import type { Hijacked } from './stream.js';

type Connect = (c: ContainerRecord) => Promise<void>;
const waiting = new Map<string, Set<Connect>>();

/** Runs in `start`'s beforeStart: connect every attach waiting for this container. */
export async function connectWaiting(c: ContainerRecord): Promise<void> {
  const set = waiting.get(c.id);
  if (!set) return;
  waiting.delete(c.id);
  await Promise.all([...set].map((f) => f(c).catch(() => undefined)));
}

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  logs: boolean;
  stream: boolean;
  detachKeys?: string;
}

export async function attach(svc: ContainerService, c: ContainerRecord, conn: Hijacked, o: AttachOptions): Promise<void> {
  const out = (rec: { stream: 'stdout' | 'stderr' }, d: Buffer) => {
    if ((rec.stream === 'stdout' && o.stdout) || (rec.stream === 'stderr' && o.stderr)) conn.out(rec.stream, d);
  };
  const emitLogs = (recs: LogRecord[]) => {
    for (const r of recs) out(r, Buffer.from(r.text));
  };
  if (o.logs) {
    const reader = new LogReader(svc.paths(c.id).log);
    emitLogs(reader.read());
    emitLogs(reader.flush());
    reader.close();
  }
  if (!o.stream) return conn.end();
  if ((o.stdin && c.config.OpenStdin) || c.config.Tty) return viaSocket(svc, c, conn, o, out);
  return viaLog(svc, c, conn, emitLogs);
}

async function viaSocket(svc: ContainerService, c: ContainerRecord, conn: Hijacked, o: AttachOptions, out: (rec: { stream: 'stdout' | 'stderr' }, d: Buffer) => void): Promise<void> {
  const sock = new AttachSocket((stream, d) => out({ stream }, d));
  const keys = new DetachKeys(parseDetachKeys(o.detachKeys || undefined));
  let connected = false;
  let connecting: Promise<void> | undefined;
  const connect: Connect = (rec) => {
    connecting ??= sock.connect(svc, rec).then(() => {
      connected = true;
    });
    return connecting;
  };
  if (c.state.Running) await connect(c);
  else {
    // Connected by the start (through this service), or by polling when another process starts it.
    (waiting.get(c.id) ?? waiting.set(c.id, new Set()).get(c.id)!).add(connect);
    try {
      while (!connecting && !conn.isClosed()) {
        await Promise.race([new Promise((r) => setTimeout(r, 100)), conn.closed]);
        if (connecting) break;
        const now = svc.store.get(c.id);
        if (!now) break;
        if (now.state.Running) void connect(now).catch(() => undefined);
      }
    } finally {
      waiting.get(c.id)?.delete(connect);
    }
    if (connecting) await (connecting as Promise<void>).catch(() => undefined);
    if (!connected) {
      sock.destroy();
      return conn.end();
    }
  }
  if (o.stdin && c.config.OpenStdin) {
    conn.input.on('data', (d: Buffer) => {
      if (c.config.Tty && keys.feed(d)) {
        sock.destroy();
        conn.end();
        return;
      }
      sock.write(d);
    });
    conn.input.on('end', () => sock.end());
    conn.input.resume();
  }
  await Promise.race([sock.closed, conn.closed]);
  sock.destroy();
  conn.end();
}

async function viaLog(svc: ContainerService, c: ContainerRecord, conn: Hijacked, emit: (recs: LogRecord[]) => void): Promise<void> {
  const p = svc.paths(c.id);
  try {
    closeSync(openSync(p.log, 'a', 0o640));
  } catch {
    /* removed meanwhile */
  }
  const reader = new LogReader(p.log);
  reader.open(true);
  const startedAt = c.state.StartedAt;
  let ran = c.state.Running;
  const t0 = Date.now();
  try {
    while (!conn.isClosed()) {
      emit(reader.read());
      const now = svc.store.get(c.id);
      if (!now) break;
      const rec = await svc.reconcile(now);
      if (rec.state.Running || rec.state.StartedAt !== startedAt) ran = true;
      if (ran && !rec.state.Running && !rec.state.Restarting) break;
      // briskly at first, as wait does: the client is waiting for this stream to end
      await Promise.race([new Promise((r) => setTimeout(r, Date.now() - t0 < 3000 ? 10 : 50)), conn.closed]);
    }
    emit(reader.read());
    emit(reader.flush());
  } finally {
    reader.close();
    conn.end();
  }
}
