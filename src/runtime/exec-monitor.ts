// An exec session with a terminal under its own conmon (`conmon --exec --exec-attach -t`), the
// way a container's main process runs under one.
//
// Why conmon and not a pty pair in the service: `runtime exec --tty` in the foreground wants a
// terminal of its own to copy to and from, which a service has none of. A pty addon in the
// service would give it one, but then the session lives and dies with the service process, and
// resize and attach would be a second mechanism next to the one containers already use. conmon
// takes the pty master from the runtime (--console-socket), serves it on the same
// SOCK_SEQPACKET attach socket, takes resizes on the same `ctl` FIFO and records the exit code
// in a file, so the session outlives the service (kill -9 included) like a container does,
// and needs no native code beyond what berth already loads.
//
// The protocol (conmon --api-version 1, exec with attach): conmon waits for a first write on
// _OCI_STARTPIPE before it forks anything, then listens on the attach socket and says so on
// _OCI_ATTACHPIPE; the runtime child then waits for a second write on the start pipe, so a
// client that connects in between misses no output. _OCI_SYNCPIPE carries {"data": pid} once
// the process runs (or {"data": -1, "message"} when the runtime failed), then {"data": code}
// when it ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsConstants, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { BerthError } from '../errors.js';
import { findOnPath } from '../platform/runtimes.js';
import type { OciRuntime } from './oci.js';
import { monitorEnv } from './monitor.js';

export interface ExecSessionOptions {
  containerId: string;
  /** short (it names the attach socket's link under socketDir); unique per session */
  sessionId: string;
  /** the session's own directory: attach socket, ctl/winsz FIFOs, pid and exit files */
  dir: string;
  socketDir: string;
  runtime: OciRuntime;
  /** process.json for `runtime exec --process` (terminal: true) */
  processSpec: string;
  stdin: boolean;
}

export interface ExecSession {
  /** conmon's attach socket (connect before `run`) */
  attachPath: string;
  /** let the process start; resolves with its pid, rejects with the runtime's error */
  run(): Promise<number>;
  /** the exit code (128+n for a signal); -1 when conmon went away without one */
  exit: Promise<number>;
  /** rows and columns of the session's terminal */
  resize(rows: number, cols: number): void;
}

interface SyncMessage {
  data: number;
  message?: string;
}

/** Start conmon for the session; resolves once its attach socket is listening. */
export function launchExecSession(o: ExecSessionOptions): Promise<ExecSession> {
  const conmon = findOnPath('conmon');
  if (!conmon) throw new BerthError('runtime', 'conmon is not installed (apt-get install conmon)');
  const args = [
    '--api-version', '1',
    '-c', o.containerId,
    '-u', o.sessionId,
    '-r', o.runtime.path,
    ...o.runtime.globalArgs.flatMap((a) => ['--runtime-arg', a]),
    '-b', o.dir,
    '-p', join(o.dir, 'pid'),
    '-l', 'none',
    // The exit file is <exit-dir>/<container id>: the session's own directory, never the
    // container's exit directory (that file is the container's exit code).
    '--exit-dir', o.dir,
    '--socket-dir-path', o.socketDir,
    '--log-level', 'warn',
    '-e', '--exec-attach', '--exec-process-spec', o.processSpec,
    '-t',
    ...(o.stdin ? ['-i'] : []),
  ];
  const child: ChildProcess = spawn(conmon, args, {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    env: monitorEnv({ _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', _OCI_ATTACHPIPE: '5' }),
    detached: true,
    cwd: o.dir,
  });
  child.unref();
  const sync = child.stdio[3] as Readable;
  const start = child.stdio[4] as Writable;
  const attached = (child.stdio as unknown as Readable[])[5];
  start.on('error', () => undefined);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const conmonSaid = () => stderr.replace(/\[conmon:d\][^\n]*\n?/g, '').trim();

  // The sync pipe's messages in order: the pid (or a failure), then the exit code.
  const received: SyncMessage[] = [];
  let wake: Array<() => void> = [];
  let buf = '';
  let syncClosed = false;
  const notify = () => {
    const w = wake;
    wake = [];
    for (const f of w) f();
  };
  const nth = async (i: number): Promise<SyncMessage | undefined> => {
    while (received.length <= i && !syncClosed) await new Promise<void>((r) => wake.push(r));
    return received[i];
  };
  sync.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      try {
        if (line) received.push(JSON.parse(line) as SyncMessage);
      } catch {
        /* not a message */
      }
    }
    notify();
  });
  const closed = () => {
    syncClosed = true;
    notify();
  };
  sync.on('close', closed);
  sync.on('error', closed);

  const resize = (rows: number, cols: number) => resizeExecSession(o.dir, rows, cols);

  const run = async (): Promise<number> => {
    start.end('1');
    const m = await nth(0);
    if (!m) throw new BerthError('runtime', `conmon exited before the exec process started: ${conmonSaid() || 'no message'}`);
    if (m.data < 0) throw new BerthError('runtime', cleanRuntimeError(m.message ?? conmonSaid()));
    return m.data;
  };
  const exitFile = join(o.dir, o.containerId);
  const exit = (async (): Promise<number> => {
    const started = await nth(0);
    if (!started || started.data < 0) return -1;
    const m = await nth(1);
    if (m && m.data >= 0 && m.message === undefined) return m.data;
    try {
      return Number(readFileSync(exitFile, 'utf8').trim());
    } catch {
      return -1;
    }
  })();

  return new Promise<ExecSession>((resolve, reject) => {
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    attached.once('data', () => {
      if (settled) return;
      settled = true;
      resolve({ attachPath: join(o.socketDir, o.sessionId, 'attach'), run, exit, resize });
    });
    // A failure before the socket listens comes on the sync pipe.
    void nth(0).then((m) => {
      if (!m || m.data < 0) fail(new BerthError('runtime', m ? cleanRuntimeError(m.message ?? conmonSaid()) : `conmon exited before its attach socket listened: ${conmonSaid() || 'no message'}`));
    });
    child.on('error', (e) => fail(new BerthError('runtime', `conmon: ${e.message}`)));
    start.write('0');
  });
}

/** Size a session's terminal (conmon's ctl FIFO in the session directory: "1 rows cols"). */
export function resizeExecSession(dir: string, rows: number, cols: number): void {
  // O_NONBLOCK: with conmon gone nothing reads the FIFO, and a plain open would hang here.
  let fd: number | undefined;
  try {
    fd = openSync(join(dir, 'ctl'), fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
    writeSync(fd, `1 ${rows} ${cols}\n`);
  } catch {
    /* the session has ended */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** runc's messages are JSON log lines or "time=... level=error msg=..." text: keep the msg. */
function cleanRuntimeError(s: string): string {
  const msgs = [...s.matchAll(/msg="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\"/g, '"'));
  return (msgs.length ? msgs.join('; ') : s).trim() || 'the OCI runtime failed';
}
