// Being attached to a container in the foreground (`run` without -d, `start -a`).
//  - Without -i/-t the output comes from the log file conmon writes, read through a
//    descriptor opened before the start (it stays readable if --rm removes the file).
//  - With -i or -t it goes through conmon's attach socket (SOCK_SEQPACKET, one byte of
//    stream id per packet), which also carries stdin; -t puts the terminal in raw mode,
//    forwards its size, and ctrl-p ctrl-q (or --detach-keys) detaches.
// Either way the exit code is the one conmon records.
import { closeSync, openSync, writeFileSync } from 'node:fs';
import type { Cli } from './command.js';
import type { ContainerService } from '../engine/containers.js';
import type { ContainerRecord } from '../containers/model.js';
import { LogReader, type LogRecord } from '../containers/logs.js';
import { unixSocket } from '../util/native.js';
import { invalid } from '../errors.js';

export interface AttachOptions {
  sigProxy: boolean;
  start: boolean;
  detachKeys?: string;
  /** use the attach socket even without -i/-t (the `attach` command: output from now on) */
  socket?: boolean;
  /** do not forward stdin (attach --no-stdin) */
  noStdin?: boolean;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** "ctrl-p,ctrl-q" -> bytes [0x10, 0x11]. */
export function parseDetachKeys(spec = 'ctrl-p,ctrl-q'): number[] {
  return spec.split(',').map((k) => {
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(k);
    if (m) return m[1] === '@' ? 0 : m[1].charCodeAt(0) & 0x1f;
    if (k.length === 1) return k.charCodeAt(0);
    throw invalid(`invalid detach keys "${spec}"`);
  });
}

async function waitExit(svc: ContainerService, c: ContainerRecord): Promise<number> {
  let idle = 5;
  for (;;) {
    const code = svc.exitCodeOf(c.id);
    if (code !== undefined) return code;
    await new Promise((r) => setTimeout(r, idle));
    idle = Math.min(idle * 2, 50);
    if (idle === 50) {
      const rec = svc.store.get(c.id);
      if (rec && !(await svc.reconcile(rec)).state.Running) return svc.exitCodeOf(c.id) ?? rec.state.ExitCode;
    }
  }
}

export async function followToExit(cli: Cli, svc: ContainerService, c: ContainerRecord, opts: AttachOptions): Promise<number> {
  const forward = (sig: NodeJS.Signals) => {
    svc.runtime(c).kill(c.id, sig).catch(() => undefined);
  };
  // With a terminal, ctrl-c goes to the container through the tty, not as a signal.
  const proxy = opts.sigProxy && !c.config.Tty;
  if (proxy) for (const s of SIGNALS) process.on(s, forward);
  try {
    const code = opts.socket || c.config.OpenStdin || c.config.Tty ? await viaSocket(svc, c, opts) : await viaLog(svc, c, opts);
    if (code === undefined) return 0; // detached
    // `run --rm` returns once the container is gone, as docker's does.
    if (c.hostConfig.AutoRemove) await svc.cleanup(c.id).catch(() => undefined);
    return code;
  } finally {
    if (proxy) for (const s of SIGNALS) process.off(s, forward);
    void cli;
  }
}

async function viaLog(svc: ContainerService, c: ContainerRecord, opts: AttachOptions): Promise<number> {
  const paths = svc.paths(c.id);
  closeSync(openSync(paths.log, 'a', 0o640));
  const reader = new LogReader(paths.log);
  reader.open(true); // only what this run writes (start -a of an old container has older lines)
  const emit = (recs: LogRecord[]) => {
    for (const r of recs) (r.stream === 'stdout' ? process.stdout : process.stderr).write(r.text);
  };
  try {
    if (opts.start) await svc.start(c.id);
    const timer = setInterval(() => emit(reader.read()), 20);
    const code = await waitExit(svc, c).finally(() => clearInterval(timer));
    emit(reader.read());
    emit(reader.flush());
    return code;
  } finally {
    reader.close();
  }
}

async function viaSocket(svc: ContainerService, c: ContainerRecord, opts: AttachOptions): Promise<number | undefined> {
  const { SeqpacketSocket } = unixSocket();
  const paths = svc.paths(c.id);
  const sock = new SeqpacketSocket();
  const stdin = process.stdin;
  const withStdin = c.config.OpenStdin && !opts.noStdin;
  const tty = c.config.Tty && stdin.isTTY && withStdin;
  const keys = parseDetachKeys(opts.detachKeys);
  let matched = 0;
  let detached = false;
  let closed!: () => void;
  const socketClosed = new Promise<void>((r) => (closed = r));
  sock.on('data', (buf: Buffer) => {
    if (buf.length < 1) return;
    (buf[0] === 3 ? process.stderr : process.stdout).write(buf.subarray(1));
  });
  sock.on('error', () => closed());
  sock.on('close', () => closed());
  sock.on('end', () => closed());
  const resize = () => {
    if (!process.stdout.isTTY) return;
    try {
      writeFileSync(`${paths.bundle}/ctl`, `1 ${process.stdout.rows} ${process.stdout.columns}\n`);
    } catch {
      /* the container is gone */
    }
  };
  const onInput = (d: Buffer) => {
    if (tty) {
      for (const b of d) {
        matched = b === keys[matched] ? matched + 1 : b === keys[0] ? 1 : 0;
        if (matched === keys.length) {
          detached = true;
          sock.destroy();
          closed();
          return;
        }
      }
    }
    sock.write(d);
  };
  const connect = async () => {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.connect(paths.attach, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  };
  try {
    if (opts.start) await svc.start(c.id, { beforeStart: connect });
    else await connect();
    if (tty) stdin.setRawMode(true);
    if (withStdin) {
      stdin.on('data', onInput);
      stdin.on('end', () => sock.end());
      stdin.resume();
    }
    if (c.config.Tty) {
      resize();
      process.stdout.on('resize', resize);
    }
    await socketClosed;
    if (detached) return undefined;
    return await waitExit(svc, c);
  } finally {
    if (tty) stdin.setRawMode(false);
    stdin.off('data', onInput);
    stdin.pause();
    process.stdout.off('resize', resize);
    sock.destroy();
  }
}
