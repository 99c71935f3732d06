// sd_notify and socket activation, as a container start sees them.
//
// --sdnotify=conmon: once the container runs, berth tells the unit's NOTIFY_SOCKET
//   "MAINPID=<conmon>" and "READY=1" (conmon then is the service's main process).
// --sdnotify=container: conmon relays what the container's own process sends: conmon binds
//   <bundle>/notify/notify.sock (--sdnotify-socket), berth binds that directory into the
//   container at /run/notify and sets NOTIFY_SOCKET there; berth sends only MAINPID.
// --sdnotify=ignore: nothing.
// In every mode neither conmon nor the runtime sees NOTIFY_SOCKET (runc would run its own relay).
//
// Socket activation: the LISTEN_FDS systemd passed to this berth process (LISTEN_PID = us)
// go to conmon at the same numbers, and conmon (--replace-listen-pid) points LISTEN_PID at
// the runtime, which hands them to the container's process as fds 3.. with LISTEN_FDS=N and
// LISTEN_PID=1.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { unixSocket } from '../util/native.js';

export type SdNotifyMode = 'conmon' | 'container' | 'ignore';
export const SD_NOTIFY_MODES: readonly SdNotifyMode[] = ['conmon', 'container', 'ignore'];
/** Where the container sees conmon's relay socket (podman's path). */
export const CONTAINER_NOTIFY_DIR = '/run/notify';
export const CONTAINER_NOTIFY_SOCKET = '/run/notify/notify.sock';

export interface NotifyPlan {
  mode: SdNotifyMode;
  /** the host's socket (the unit's NOTIFY_SOCKET), when there is one to tell */
  hostSocket?: string;
  /** extra conmon flags */
  conmonArgs: string[];
  /** a bind mount for the container (container mode) */
  mount?: { source: string; destination: string };
  /** extra environment for the container's process */
  env: string[];
}

/** What a start does for sd_notify. Default mode: container, as podman's. */
export function notifyPlan(mode: SdNotifyMode | undefined, bundle: string, env: NodeJS.ProcessEnv = process.env): NotifyPlan {
  const m = mode ?? 'container';
  const hostSocket = env.NOTIFY_SOCKET || undefined;
  if (!hostSocket || m === 'ignore') return { mode: m, conmonArgs: [], env: [] };
  if (m === 'conmon') return { mode: m, hostSocket, conmonArgs: [], env: [] };
  // conmon relays only to a path (not an abstract socket).
  if (hostSocket.startsWith('@')) return { mode: 'conmon', hostSocket, conmonArgs: [], env: [] };
  const dir = join(bundle, 'notify');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return { mode: m, hostSocket, conmonArgs: ['--sdnotify-socket', hostSocket], mount: { source: dir, destination: CONTAINER_NOTIFY_DIR }, env: [`NOTIFY_SOCKET=${CONTAINER_NOTIFY_SOCKET}`] };
}

/** The message berth sends once the container runs (undefined: none). */
export function startedMessage(plan: NotifyPlan, monitorPid: number): string | undefined {
  if (!plan.hostSocket || plan.mode === 'ignore') return undefined;
  if (plan.mode === 'conmon') return `MAINPID=${monitorPid}\nREADY=1\n`;
  return `MAINPID=${monitorPid}\n`;
}

/** Send one sd_notify datagram (a path, or @name for an abstract socket). */
export function sdNotify(socket: string, message: string): Promise<void> {
  const { DgramSocket } = unixSocket();
  const s = new DgramSocket();
  const dest = socket.startsWith('@') ? `\0${socket.slice(1)}` : socket;
  const buf = Buffer.from(message);
  return new Promise((resolve, reject) => {
    s.sendTo(buf, 0, buf.length, dest, (err) => {
      s.close();
      if (err) reject(new Error(`sd_notify to ${socket}: ${err.message}`));
      else resolve();
    });
  });
}

/** Environment that must not reach conmon or the runtime unless berth means it to. */
export const SYSTEMD_ENV = ['NOTIFY_SOCKET', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES'];

export function withoutSystemdEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of SYSTEMD_ENV) delete out[k];
  return out;
}

/**
 * The sockets systemd passed to this process (fds 3..3+N-1), taken once: LISTEN_* leave the
 * environment, so a second start in the same process gets none.
 */
export function takeListenFds(env: NodeJS.ProcessEnv = process.env): { count: number; names?: string } {
  if (env.LISTEN_PID !== String(process.pid)) return { count: 0 };
  const n = Number(env.LISTEN_FDS ?? 0);
  const names = env.LISTEN_FDNAMES;
  for (const k of ['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES']) delete env[k];
  return Number.isInteger(n) && n > 0 ? { count: n, ...(names ? { names } : {}) } : { count: 0 };
}
