// The per-container monitor: conmon (Debian). It runs `runtime create`, holds the
// container's stdio, writes the k8s-file log and the exit code, and runs berth's cleanup
// command when the container exits. It daemonises, so berth exiting never touches it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../errors.js';
import { findOnPath } from '../platform/runtimes.js';
import type { OciRuntime } from './oci.js';

export interface MonitorOptions {
  id: string;
  name: string;
  bundle: string;
  runtime: OciRuntime;
  logPath: string;
  /** 'none' keeps no log (nothing to read back) */
  logDriver: string;
  logMaxSize: number;
  exitDir: string;
  /** where conmon links the attach socket (see containerPaths().attach) */
  socketDir: string;
  exitCommand: string[];
  tty: boolean;
  stdin: boolean;
  /** an attach client that goes leaves the container's stdin open (docker's StdinOnce false) */
  leaveStdinOpen?: boolean;
  /** more conmon flags (--sdnotify-socket) */
  extraArgs?: string[];
  /** sockets systemd passed to this process (fds 3..3+N-1), handed to the container (socket activation) */
  listenFds?: { count: number; names?: string };
}

export interface Monitored {
  pid: number;
  monitorPid: number;
}

/** Start conmon; resolves once the runtime has created the container (not started it). */
export function launchMonitor(o: MonitorOptions): Promise<Monitored> {
  const conmon = findOnPath('conmon');
  if (!conmon) throw new BerthError('runtime', 'conmon is not installed (apt-get install conmon)');
  const listen = o.listenFds?.count ?? 0;
  const args = [
    '--api-version', '1',
    '-c', o.id,
    // The attach socket is <socketDir>/<short id>/attach (a symlink to the bundle): a short
    // path, because a unix socket path is at most 107 bytes.
    '-u', o.id.slice(0, 12),
    '-n', o.name,
    '-r', o.runtime.path,
    ...o.runtime.globalArgs.flatMap((a) => ['--runtime-arg', a]),
    '-b', o.bundle,
    '-p', join(o.bundle, 'pidfile'),
    '-P', join(o.bundle, 'conmon.pid'),
    ...(o.logDriver === 'none'
      ? ['-l', 'none']
      : // conmon 2.1.6 (Debian 12) has no --log-rotate: at the size limit it starts the file afresh.
        ['-l', `k8s-file:${o.logPath}`, '--log-size-max', String(o.logMaxSize)]),
    '--exit-dir', o.exitDir,
    '--socket-dir-path', o.socketDir,
    '--log-level', 'warn',
    ...(o.tty ? ['-t'] : []),
    ...(o.stdin ? ['-i'] : []),
    ...(o.stdin && o.leaveStdinOpen ? ['--leave-stdin-open'] : []),
    '--exit-command', o.exitCommand[0],
    ...o.exitCommand.slice(1).flatMap((a) => ['--exit-command-arg', a]),
    ...(o.extraArgs ?? []),
    // conmon points LISTEN_PID at the runtime, which then hands the sockets on (LISTEN_PID=1 inside).
    ...(listen ? ['--replace-listen-pid'] : []),
  ];
  // Passed sockets keep their numbers (3..), so the sync pipe comes after them.
  const env = monitorEnv({ _OCI_SYNCPIPE: String(3 + listen) });
  if (listen) {
    env.LISTEN_FDS = String(listen);
    env.LISTEN_PID = '1';
    if (o.listenFds?.names) env.LISTEN_FDNAMES = o.listenFds.names;
  }
  const stdio: Array<'ignore' | 'pipe' | number> = ['ignore', 'ignore', 'pipe', ...Array.from({ length: listen }, (_, i) => 3 + i), 'pipe'];
  return new Promise((resolve, reject) => {
    const child = spawn(conmon, args, { stdio, env, detached: true, cwd: o.bundle });
    let stderr = '';
    let buf = '';
    let settled = false;
    const done = (e: Error | null, v?: Monitored) => {
      if (settled) return;
      settled = true;
      (child.stdio[3 + listen] as NodeJS.ReadableStream & { destroy(): void }).destroy();
      child.stderr!.destroy();
      child.unref();
      if (e) reject(e);
      else resolve(v!);
    };
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const sync = child.stdio[3 + listen] as NodeJS.ReadableStream;
    sync.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl === -1) return;
      const msg = JSON.parse(buf.slice(0, nl)) as { data: number; message?: string };
      if (msg.data < 0) return done(new BerthError('runtime', cleanRuntimeError(msg.message ?? stderr)));
      let monitorPid = 0;
      try {
        monitorPid = Number(readFileSync(join(o.bundle, 'conmon.pid'), 'utf8').trim());
      } catch {
        /* read again by state reconciliation */
      }
      done(null, { pid: msg.data, monitorPid });
    });
    // No message on the sync pipe: conmon failed before it could send one (bad flags, ...).
    child.on('close', () => done(new BerthError('runtime', `conmon exited before the container was created: ${stderr.replace(/\[conmon:d\][^\n]*\n?/g, '').trim() || 'no message'}`)));
    child.on('error', (e) => done(new BerthError('runtime', `conmon: ${e.message}`)));
  });
}

/** What berth's own environment may hand on to the monitor (see monitorEnv). */
const PASSED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'TMPDIR', 'TZ', 'DOCKER_CONFIG'];

/**
 * The environment of a conmon: only what conmon, the runtime it runs and its exit command
 * (`berth container cleanup`, which may start the container again) read, not everything the
 * caller had. conmon lives as long as its container, so what it is started with stays resident:
 *  - PATH (tools in /usr/sbin), HOME/USER/LOGNAME/TMPDIR, TZ (the log's timestamps),
 *    DOCKER_CONFIG, XDG_* (rootless defaults: the runroot, the config file when no --config is
 *    passed) and BERTH_* (BERTH_HOST_GID for keep-id, BERTH_LOG_LEVEL, ...), as the caller had them.
 *  - Never the unit's NOTIFY_SOCKET (runc would relay it itself) or its LISTEN_* sockets:
 *    launchMonitor adds those only when they are meant for the container.
 *  - No locale: conmon runs in the C locale (no locale files mapped) and CHARSET=UTF-8 tells its
 *    GLib that arguments are UTF-8, which berth's are (in the C locale without it, GLib's option
 *    parser refuses a non-ASCII path: "Invalid byte sequence in conversion input").
 *  - LD_BIND_NOW=1: conmon itself is linked "now" (BIND_NOW), its libraries are not, so a library
 *    function first called after conmon daemonises would bind lazily in the monitor, pulling the
 *    dynamic linker's lookup code into its resident set (in the C locale realloc, from the sync
 *    pipe's message, costs ~400 kB of RSS that way). Binding at start does that work before the fork.
 */
export function monitorEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && (PASSED.includes(k) || k.startsWith('BERTH_') || k.startsWith('XDG_'))) env[k] = v;
  }
  return { ...env, CHARSET: 'UTF-8', LD_BIND_NOW: '1', ...extra };
}

/** runc's messages are JSON log lines or "time=... level=error msg=..." text: keep the msg. */
function cleanRuntimeError(s: string): string {
  const msgs = [...s.matchAll(/msg="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\"/g, '"'));
  return (msgs.length ? msgs.join('; ') : s).trim() || 'the OCI runtime failed';
}
