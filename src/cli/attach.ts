// Being attached to a container in the foreground (`run` without -d, `start -a`).
//  - Without -i/-t the output comes from the log file conmon writes, read through a
//    descriptor opened before the start (it stays readable if --rm removes the file).
//  - With -i or -t it goes through conmon's attach socket (SOCK_SEQPACKET, one byte of
//    stream id per packet), which also carries stdin; -t puts the terminal in raw mode,
//    forwards its size, and ctrl-p ctrl-q (or --detach-keys) detaches.
// Either way the exit code is the one conmon records.
import { closeSync, openSync } from 'node:fs';
import type { Cli } from './command.js';
import type { ContainerService } from '../engine/containers.js';
import type { ContainerRecord } from '../containers/model.js';
import { LogReader, type LogRecord } from '../containers/logs.js';
import { AttachSocket, DetachKeys, parseDetachKeys, resizeTty, waitExit } from '../engine/attach.js';

export { parseDetachKeys };

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
  const stdin = process.stdin;
  const withStdin = c.config.OpenStdin && !opts.noStdin;
  const tty = c.config.Tty && stdin.isTTY && withStdin;
  const keys = new DetachKeys(parseDetachKeys(opts.detachKeys));
  let detached = false;
  let detach!: () => void;
  const detachedNow = new Promise<void>((r) => (detach = r));
  const sock = new AttachSocket((stream, data) => (stream === 'stderr' ? process.stderr : process.stdout).write(data));
  const resize = () => {
    if (process.stdout.isTTY) resizeTty(svc, c, process.stdout.rows, process.stdout.columns);
  };
  const onInput = (d: Buffer) => {
    if (tty && keys.feed(d)) {
      detached = true;
      sock.destroy();
      detach();
      return;
    }
    sock.write(d);
  };
  const connect = () => sock.connect(svc, c);
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
    await Promise.race([sock.closed, detachedNow]);
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
