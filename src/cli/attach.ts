// Being attached to a container in the foreground (`run` without -d, `start -a`, `attach`),
// written once over the backend: wait for the exit (asked first, so a quick exit or --rm is
// not missed), attach, start, join the terminal, then return the container's exit code.
// How output travels (conmon's socket or log file locally, a hijacked connection remotely)
// is the backend's business.
import type { Cli } from './command.js';
import type { OutputSink, WaitCondition } from '../backend/backend.js';
import { connectTerminal } from '../backend/terminal.js';

export interface AttachOptions {
  sigProxy: boolean;
  /** start the container once attached (run, start -a); otherwise it already runs (attach) */
  start: boolean;
  detachKeys?: string;
  /** do not forward stdin (attach --no-stdin) */
  noStdin?: boolean;
}

/** The container as the foreground needs it. */
export interface Foreground {
  id: string;
  tty: boolean;
  openStdin: boolean;
  autoRemove: boolean;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export const toTerminal: OutputSink = (stream, d) => void (stream === 'stderr' ? process.stderr : process.stdout).write(d);

export async function followToExit(cli: Cli, c: Foreground, opts: AttachOptions): Promise<number> {
  const containers = cli.backend.containers;
  const forward = (sig: NodeJS.Signals) => void containers.kill(c.id, sig).catch(() => undefined);
  // With a terminal, ctrl-c goes to the container through the tty, not as a signal.
  const proxy = opts.sigProxy && !c.tty;
  if (proxy) for (const s of SIGNALS) process.on(s, forward);
  try {
    // `run --rm` returns once the container is gone, as docker's does.
    const condition: WaitCondition = !opts.start ? 'not-running' : c.autoRemove ? 'removed' : 'next-exit';
    const exit = containers.wait(c.id, condition);
    exit.catch(() => undefined); // awaited below unless something fails first
    const stdin = c.openStdin && !opts.noStdin;
    const session = await containers.attach(c.id, { stdin, fromStart: opts.start }, toTerminal);
    if (opts.start) await containers.start(c.id);
    const detached = await connectTerminal(session, { tty: c.tty, stdin, detachKeys: opts.detachKeys, resize: (rows, cols) => void containers.resize(c.id, rows, cols) });
    return detached ? 0 : await exit;
  } finally {
    if (proxy) for (const s of SIGNALS) process.off(s, forward);
  }
}
