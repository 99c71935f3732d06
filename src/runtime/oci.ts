// An OCI runtime (runc, crun, runsc, ...) driven through its command line. Each berth root
// gets its own runtime state directory, so separate roots never see each other's containers.
import { execFile, spawn, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { BerthError, invalid } from '../errors.js';
import type { Config } from '../config.js';
import { findOnPath } from '../platform/runtimes.js';

export interface RuntimeState {
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  pid: number;
}

export class OciRuntime {
  constructor(
    readonly name: string,
    readonly path: string,
    /** global flags, before the subcommand */
    readonly globalArgs: string[],
  ) {}

  private run(args: string[], timeoutMs = 30_000): Promise<{ stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      execFile(this.path, [...this.globalArgs, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20, env: runtimeEnv() }, (err, stdout, stderr) => {
        if (err) reject(new BerthError('runtime', `${this.name} ${args[0]}: ${(stderr || err.message).trim()}`));
        else resolve({ stdout, stderr });
      });
    });
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    try {
      const { stdout } = await this.run(['state', id]);
      const s = JSON.parse(stdout) as { status: RuntimeState['status']; pid: number };
      return { status: s.status, pid: s.pid };
    } catch (e) {
      if (/does not exist|not found|no such/i.test(String((e as Error).message))) return undefined;
      throw e;
    }
  }

  start(id: string): Promise<unknown> {
    return this.run(['start', id]);
  }

  /**
   * Signal the container. `all` reaches every process through the cgroup; where there is no
   * cgroup to walk (rootless without delegation) the signal goes to its init, which takes the
   * whole PID namespace with it on SIGKILL.
   */
  async kill(id: string, signal: string, all = false): Promise<unknown> {
    if (!all) return this.run(['kill', id, signal]);
    return this.run(['kill', '--all', id, signal]).catch(() => this.run(['kill', id, signal]));
  }

  pause(id: string): Promise<unknown> {
    return this.run(['pause', id]);
  }

  resume(id: string): Promise<unknown> {
    return this.run(['resume', id]);
  }

  update(id: string, resourcesJson: string): Promise<unknown> {
    return this.run(['update', '--resources', resourcesJson, id]);
  }

  /** runc and crun keep a directory per container under --root: none means nothing to delete. */
  private known(id: string): boolean {
    const i = this.globalArgs.indexOf('--root');
    if (i < 0 || !['runc', 'crun'].includes(this.name)) return true;
    return existsSync(join(this.globalArgs[i + 1], id));
  }

  async delete(id: string): Promise<void> {
    if (!this.known(id)) return;
    await this.run(['delete', '--force', id]).catch((e: Error) => {
      if (!/does not exist|not found|no such/i.test(e.message)) throw e;
    });
  }

  /** `runtime exec` in the foreground, with the caller's stdio; resolves with the exit code. */
  exec(id: string, processJson: string, opts: { tty: boolean; detach: boolean; stdio: StdioOptions }): Promise<number> {
    const args = [...this.globalArgs, 'exec', '--process', processJson, ...(opts.tty ? ['--tty'] : []), ...(opts.detach ? ['--detach'] : []), id];
    return new Promise((resolve, reject) => {
      const child = spawn(this.path, args, { stdio: opts.stdio });
      child.on('error', (e) => reject(new BerthError('runtime', `${this.name} exec: ${e.message}`)));
      child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 255)));
    });
  }
}

/** The runtime never sees a systemd unit's NOTIFY_SOCKET (runc would start its own relay and wait for READY) or its sockets. */
function runtimeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['NOTIFY_SOCKET', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES']) delete env[k];
  return env;
}

/** Run `runtime exec` with output captured (health checks); kills it after timeoutMs. */
export function execCapture(rt: OciRuntime, id: string, processJson: string, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(rt.path, [...rt.globalArgs, 'exec', '--process', processJson, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (d: Buffer) => {
      if (output.length < 4096) output += d.toString();
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => resolve({ code: -1, output: e.message }));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL' ? { code: -1, output: `Health check exceeded timeout (${timeoutMs / 1000}s)` } : { code: code ?? -1, output: output.slice(0, 4096) });
    });
  });
}

/** The runtime a container asked for (or the configured/auto-detected default). */
export function runtimeFor(config: Config, name: string, extraGlobalArgs: string[] = []): OciRuntime {
  const configured = config.runtimes[name];
  const path = findOnPath(configured?.path ?? name);
  if (!path || (!configured && !['runc', 'crun', 'runsc', 'kata-runtime', 'youki'].includes(name))) {
    throw invalid(`unknown or missing runtime "${name}": install it or name it in the config file under [runtimes.${name}]`);
  }
  const stateDir = join(config.runroot, 'runtime', name);
  return new OciRuntime(name, path, ['--root', stateDir, ...(configured?.args ?? []), ...extraGlobalArgs]);
}
