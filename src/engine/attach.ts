// Being attached to a container, for both doors (`berth run/attach/start -a` and the API's
// /containers/{id}/attach): conmon's attach socket (SOCK_SEQPACKET, one byte of stream id
// per packet: 2 stdout, 3 stderr; what is written goes to the container's stdin), terminal
// resizes through the bundle's `ctl` FIFO, detach keys, and waiting for the exit code.
import { closeSync, constants as fsConstants, openSync, writeSync } from 'node:fs';
import type { ContainerService } from './containers.js';
import type { ContainerRecord } from '../containers/model.js';
import { unixSocket } from '../util/native.js';
import { invalid } from '../errors.js';

/** "ctrl-p,ctrl-q" -> bytes [0x10, 0x11]. */
export function parseDetachKeys(spec = 'ctrl-p,ctrl-q'): number[] {
  return spec.split(',').map((k) => {
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(k);
    if (m) return m[1] === '@' ? 0 : m[1].charCodeAt(0) & 0x1f;
    if (k.length === 1) return k.charCodeAt(0);
    throw invalid(`invalid detach keys "${spec}"`);
  });
}

/** Watches input for the detach sequence. */
export class DetachKeys {
  private matched = 0;
  constructor(private readonly keys: number[]) {}
  /** true once the whole sequence has been typed */
  feed(d: Buffer): boolean {
    for (const b of d) {
      this.matched = b === this.keys[this.matched] ? this.matched + 1 : b === this.keys[0] ? 1 : 0;
      if (this.matched === this.keys.length) return true;
    }
    return false;
  }
}

/** The exit code conmon records, once the container has stopped (woken by the exit file's inotify event). */
export async function waitExit(svc: ContainerService, c: ContainerRecord): Promise<number> {
  for (;;) {
    const code = svc.exitCodeOf(c.id);
    if (code !== undefined) return code;
    await svc.exitFileChange(c.id, 50);
    if (svc.exitCodeOf(c.id) !== undefined) continue;
    // No exit file yet: is the container still there and running (its monitor may have died)?
    const rec = svc.store.get(c.id);
    if (!rec) return svc.exitCodeOf(c.id) ?? c.state.ExitCode;
    if (!(await svc.reconcile(rec)).state.Running) return svc.exitCodeOf(c.id) ?? rec.state.ExitCode;
  }
}

/** Set the container's terminal size (conmon's ctl FIFO: "1 rows cols"). */
export function resizeTty(svc: ContainerService, c: ContainerRecord, rows: number, cols: number): void {
  // O_NONBLOCK: once conmon is gone nothing reads the FIFO, and a plain open would block for good.
  let fd: number | undefined;
  try {
    fd = openSync(`${svc.paths(c.id).bundle}/ctl`, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
    writeSync(fd, `1 ${rows} ${cols}\n`);
  } catch {
    /* the container is gone */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export type OutputStream = 'stdout' | 'stderr';

/** A connection to conmon's attach socket. */
export class AttachSocket {
  private readonly sock: import('node-unix-socket').SeqpacketSocket;
  /** settles when conmon closes the socket (the container's output has ended) or on error */
  readonly closed: Promise<void>;
  private gone = false;

  constructor(onOutput: (stream: OutputStream, data: Buffer) => void) {
    const { SeqpacketSocket } = unixSocket();
    this.sock = new SeqpacketSocket();
    let settle!: () => void;
    this.closed = new Promise<void>((r) => (settle = r));
    const done = () => {
      this.gone = true;
      settle();
    };
    this.sock.on('data', (buf: Buffer) => {
      if (buf.length > 1) onOutput(buf[0] === 3 ? 'stderr' : 'stdout', buf.subarray(1));
    });
    this.sock.on('error', () => done());
    this.sock.on('close', () => done());
    this.sock.on('end', () => done());
  }

  connect(svc: ContainerService, c: ContainerRecord): Promise<void> {
    return this.connectTo(svc.paths(c.id).attach);
  }

  /** any conmon attach socket (an exec session's too) */
  connectTo(path: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.sock.once('error', reject);
      this.sock.connect(path, () => {
        this.sock.off('error', reject);
        resolve();
      });
    });
  }

  write(d: Buffer): void {
    if (this.gone) return;
    try {
      this.sock.write(d);
    } catch {
      /* the container's side closed */
    }
  }

  /** No more input: conmon closes the container's stdin. */
  end(): void {
    if (this.gone) return;
    try {
      this.sock.end();
    } catch {
      /* already closed */
    }
  }

  destroy(): void {
    this.gone = true;
    this.sock.destroy();
  }
}
