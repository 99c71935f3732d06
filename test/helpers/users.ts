// Ordinary users for the rootless tests: made with useradd (which gives them /etc/subuid and
// /etc/subgid ranges), used through runuser, and removed with everything they ran.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { BERTH, type RunResult } from './berth.js';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  runtimeDir: string;
  env: NodeJS.ProcessEnv;
  /** run berth as this user */
  berth(args: string[], opts?: { input?: string | Buffer; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  /** run any command as this user */
  exec(cmd: string, args: string[], opts?: { input?: string | Buffer; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  remove(): void;
}

function hasRange(file: string, name: string): boolean {
  try {
    return readFileSync(file, 'utf8').split('\n').some((l) => l.startsWith(`${name}:`));
  } catch {
    return false;
  }
}

export function createUser(name: string, subStart: number): TestUser {
  execFileSync('useradd', ['-m', '-s', '/bin/sh', name], { stdio: 'pipe' });
  if (!hasRange('/etc/subuid', name) || !hasRange('/etc/subgid', name)) {
    execFileSync('usermod', ['--add-subuids', `${subStart}-${subStart + 65535}`, '--add-subgids', `${subStart}-${subStart + 65535}`, name], { stdio: 'pipe' });
  }
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  const home = `/home/${name}`;
  const runtimeDir = `/tmp/berth-test-xdg-${uid}`;
  rmSync(runtimeDir, { recursive: true, force: true });
  mkdirSync(runtimeDir, { mode: 0o700 });
  chownSync(runtimeDir, uid, gid);
  const env: NodeJS.ProcessEnv = { HOME: home, USER: name, LOGNAME: name, XDG_RUNTIME_DIR: runtimeDir, PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8' };
  const exec = (cmd: string, args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}) =>
    new Promise<RunResult>((resolve, reject) => {
      const child = spawn('runuser', ['-u', name, '--', cmd, ...args], { env: { ...env, ...opts.env }, cwd: '/tmp', stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    });
  return {
    name,
    uid,
    gid,
    home,
    runtimeDir,
    env,
    exec,
    berth: (args, opts) => exec(BERTH, args, opts),
    remove() {
      // Every process of the user (pause process, monitors, containers, slirp4netns) goes;
      // the user's namespaces and the mounts in them go with the last of them.
      try {
        execFileSync('pkill', ['-KILL', '-u', name], { stdio: 'ignore' });
      } catch {
        /* nothing running */
      }
      for (let i = 0; i < 50; i++) {
        try {
          execFileSync('pgrep', ['-u', name], { stdio: 'ignore' });
        } catch {
          break;
        }
        execFileSync('sleep', ['0.1']);
      }
      try {
        execFileSync('userdel', ['-r', name], { stdio: 'ignore' });
      } catch {
        /* already gone, or its mail spool was missing */
      }
      rmSync(home, { recursive: true, force: true });
      rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
}

/** Whether `user` can run berth from where it is (CI may check out under a private directory). */
export async function canRunBerth(user: TestUser): Promise<boolean> {
  return (await user.exec('test', ['-x', BERTH])).code === 0 && (await user.exec('node', ['-e', '0'])).code === 0;
}
