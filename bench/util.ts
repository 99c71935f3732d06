// Small helpers shared by the benchmark harness: running commands (argv arrays only),
// timing, temp dirs, tree removal that survives leftover mounts, and stats.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs as build/bench/util.js or bench/util.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The bench source folder: results and the image cache live here, not under build/. */
export const benchDir = join(repoRoot, 'bench');

export interface CmdOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the command's whole process group after this long. Default 15 minutes. */
  timeoutMs?: number;
  /** Keep at most this many bytes of each of stdout and stderr (the tail is kept). */
  maxOutput?: number;
}

export interface CmdResult {
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, in seconds. */
  seconds: number;
  timedOut: boolean;
}

export class CmdError extends Error {
  constructor(readonly result: CmdResult) {
    super(describeFailure(result));
    this.name = 'CmdError';
  }
}

/** Runs argv[0] with argv[1..] (never through a shell) and resolves when it exits. Never rejects. */
export function run(argv: string[], opts: CmdOptions = {}): Promise<CmdResult> {
  const timeoutMs = opts.timeoutMs ?? 15 * 60_000;
  const maxOutput = opts.maxOutput ?? 4 << 20;
  return new Promise((resolvePromise) => {
    const start = process.hrtime.bigint();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let timedOut = false;
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, extraErr = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      resolvePromise({
        argv,
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + extraErr,
        seconds,
        timedOut,
      });
    };
    const keep = (chunks: Buffer[], chunk: Buffer, len: number): number => {
      chunks.push(chunk);
      len += chunk.length;
      while (len > maxOutput && chunks.length > 1) len -= chunks.shift()!.length;
      return len;
    };
    const child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group, so a timeout can kill the command and everything it started.
      detached: true,
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => (outLen = keep(out, c, outLen)));
    child.stderr.on('data', (c: Buffer) => (errLen = keep(err, c, errLen)));
    child.on('error', (e) => finish(127, null, `${argv[0]}: ${e.message}\n`));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** Like run() but rejects with a CmdError unless the command exits 0. */
export async function check(argv: string[], opts: CmdOptions = {}): Promise<CmdResult> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new CmdError(r);
  return r;
}

export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** One line that says what failed and why: the exit status and the last lines of stderr. */
export function describeFailure(r: CmdResult): string {
  const status = r.timedOut
    ? 'timed out'
    : r.signal
      ? `killed by ${r.signal}`
      : `exit ${r.code}`;
  const text = (r.stderr.trim() || r.stdout.trim()).split('\n').filter((l) => l.trim() !== '');
  const tail = text.slice(-3).join(' | ');
  const cmd = r.argv.slice(0, 6).join(' ') + (r.argv.length > 6 ? ' ...' : '');
  return `${cmd}: ${status}${tail ? `: ${truncate(tail, 400)}` : ''}`;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 3)}...`;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function minimum(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : Math.min(...xs);
}

export async function makeTempDir(prefix: string, parent = tmpdir()): Promise<string> {
  await mkdir(parent, { recursive: true });
  return mkdtemp(join(parent, prefix));
}

/** Mount points at or under dir, deepest first (from /proc/self/mountinfo). */
async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const root = resolve(dir);
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 5) continue;
    const mp = fields[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === root || mp.startsWith(root + '/')) found.push(mp);
  }
  return found.sort((a, b) => b.length - a.length);
}

/** rm -rf that first unmounts anything an engine left mounted inside the tree. */
export async function removeTree(dir: string): Promise<void> {
  for (const mp of await mountsUnder(dir)) {
    const r = await run(['umount', mp], { timeoutMs: 60_000 });
    if (r.code !== 0) await run(['umount', '-l', mp], { timeoutMs: 60_000 });
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Flushes dirty pages so one engine's writes are not paid for during the next one's run. */
export async function syncDisks(): Promise<void> {
  await run(['sync'], { timeoutMs: 5 * 60_000 });
}

export function log(msg: string): void {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${t}] ${msg}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A free TCP port on 127.0.0.1 (closed again before return; the caller binds it soon after). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

/** Commands that bench starts and must stop at exit, newest first. */
const cleanups: Array<() => Promise<void>> = [];

export function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch (e) {
      log(`cleanup failed: ${errorMessage(e)}`);
    }
  }
}
