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
  // conmon and the runtime never see the unit's NOTIFY_SOCKET (runc would relay it itself) nor
  // sockets that are not meant for them. Passed sockets keep their numbers (3..), so the sync
  // pipe comes after them.
  const env: NodeJS.ProcessEnv = { ...process.env, _OCI_SYNCPIPE: String(3 + listen) };
  for (const k of ['NOTIFY_SOCKET', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES']) delete env[k];
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

/** runc's messages are JSON log lines or "time=... level=error msg=..." text: keep the msg. */
function cleanRuntimeError(s: string): string {
  const msgs = [...s.matchAll(/msg="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\"/g, '"'));
  return (msgs.length ? msgs.join('; ') : s).trim() || 'the OCI runtime failed';
}
