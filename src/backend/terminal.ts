// This process's terminal joined to an attach session (a container's or an exec's): stdin
// forwarded (raw when both ends are terminals), the size followed, and the detach keys
// (ctrl-p ctrl-q by default) honoured. The same for a local and a remote engine.
import type { AttachSession } from './backend.js';
import { DetachKeys, parseDetachKeys } from '../engine/attach.js';

export interface TerminalOptions {
  /** the container (or exec) has a tty */
  tty: boolean;
  /** forward this process's stdin */
  stdin: boolean;
  detachKeys?: string;
  /** tell the engine the terminal's size */
  resize?: (rows: number, cols: number) => void;
}

/** Resolves when the session's output ends (false) or the user detached (true). */
export async function connectTerminal(session: AttachSession, o: TerminalOptions): Promise<boolean> {
  const stdin = process.stdin;
  const raw = o.tty && o.stdin && stdin.isTTY;
  const keys = new DetachKeys(parseDetachKeys(o.detachKeys));
  let detached = false;
  let detach!: () => void;
  const detachedNow = new Promise<void>((r) => (detach = r));
  const onInput = (d: Buffer) => {
    if (o.tty && keys.feed(d)) {
      detached = true;
      detach();
      return;
    }
    session.write(d);
  };
  const onEnd = () => session.end();
  const resize = () => {
    if (process.stdout.isTTY && o.resize) o.resize(process.stdout.rows, process.stdout.columns);
  };
  try {
    if (raw) stdin.setRawMode(true);
    if (o.stdin) {
      stdin.on('data', onInput);
      stdin.on('end', onEnd);
      stdin.resume();
    }
    if (o.tty) {
      resize();
      process.stdout.on('resize', resize);
    }
    await Promise.race([session.closed, detachedNow]);
    return detached;
  } finally {
    if (raw) stdin.setRawMode(false);
    stdin.off('data', onInput);
    stdin.off('end', onEnd);
    stdin.pause();
    process.stdout.off('resize', resize);
    session.close();
  }
}
