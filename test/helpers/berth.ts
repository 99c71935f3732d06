// Run the real berth CLI (bin/berth, the bundled build) in a private --root/--runroot, and
// remove everything it made afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
export const BERTH = join(REPO, 'bin', 'berth');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  dir: string;
  root: string;
  runroot: string;
  /** DOCKER_CONFIG for credentials */
  dockerConfig: string;
  /** the berth.toml this sandbox uses (empty at first) */
  configFile: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], opts?: { input?: string | Buffer; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  spawn(args: string[]): ChildProcess;
  cleanup(): void;
}

export function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-'));
  const root = join(dir, 'root');
  const runroot = join(dir, 'run');
  const dockerConfig = join(dir, 'docker-config');
  const configFile = join(dir, 'berth.toml');
  // Test files run at the same time, each with its own root: each gets its own default bridge
  // (a host-wide resource), claimed atomically so no two sandboxes share one.
  const net = claimTestNetwork();
  // ... and its own pool for new networks, so two test files never pick the same subnet.
  writeFileSync(configFile, `[network]\ndefault_subnet = "10.86.${net.index}.0/24"\ndefault_interface = "berthtest${net.index}"\nsubnet_pool = "10.${100 + (net.index >> 1)}.${(net.index & 1) * 128}.0/17"\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: dockerConfig, BERTH_CONFIG: configFile, HOME: dir };
  delete env.BERTH_ROOT;
  delete env.BERTH_RUNROOT;
  const argv = (args: string[]) => ['--root', root, '--runroot', runroot, ...args];
  return {
    dir,
    root,
    runroot,
    dockerConfig,
    configFile,
    env,
    run(args, opts = {}) {
      return new Promise((resolvePromise, reject) => {
        const child = spawn(BERTH, argv(args), { env: { ...env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => err.push(d));
        child.on('error', reject);
        child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
        child.stdin.on('error', () => {});
        child.stdin.end(opts.input);
      });
    },
    spawn(args) {
      return spawn(BERTH, argv(args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
      net.release();
    },
  };
}

/** A default-bridge slot (1..250) no other live test process holds: mkdir is the atomic claim. */
function claimTestNetwork(): { index: number; release(): void } {
  for (let i = 1; i <= 250; i++) {
    const claim = join(tmpdir(), `berth-test-netclaim-${i}`);
    try {
      mkdirSync(claim);
    } catch {
      // Taken: reclaim it only if the process that took it is gone.
      let owner = 0;
      try {
        owner = Number(readFileSync(join(claim, 'pid'), 'utf8'));
      } catch {
        continue;
      }
      try {
        process.kill(owner, 0);
        continue;
      } catch {
        rmSync(claim, { recursive: true, force: true });
        try {
          mkdirSync(claim);
        } catch {
          continue;
        }
      }
    }
    writeFileSync(join(claim, 'pid'), String(process.pid));
    return { index: i, release: () => rmSync(claim, { recursive: true, force: true }) };
  }
  throw new Error('no free test network slot');
}

/** Assert-friendly: fail with the command's stderr when it did not exit 0. */
export async function ok(sb: Sandbox, args: string[], opts?: { input?: string | Buffer; env?: NodeJS.ProcessEnv }): Promise<string> {
  const r = await sb.run(args, opts);
  if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** Sandboxes for one test file, all removed by cleanup() in the file's after() hook. */
export function sandboxes(): { fresh(): Sandbox; cleanup(): void } {
  const all: Sandbox[] = [];
  return {
    fresh() {
      const sb = sandbox();
      all.push(sb);
      return sb;
    },
    cleanup() {
      for (const sb of all.splice(0)) sb.cleanup();
    },
  };
}
