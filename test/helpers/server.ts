// berth's long-running commands (system service, system cri) as the tests run them: started in
// a sandbox, awaited until their socket exists, stopped with a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { BERTH, ok, sandboxes, type Sandbox } from './berth.js';
import { busyboxEntries, makeTar, BUSYBOX_PATH } from './fixtures.js';

export interface Server {
  child: ChildProcess;
  /** what it wrote on stderr so far */
  stderr(): string;
}

export function startServer(sb: Sandbox, args: string[], socket: string): Promise<Server> {
  const child = spawn(BERTH, ['--root', sb.root, '--runroot', sb.runroot, ...args], { env: sb.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const what = `berth ${args.slice(0, 2).join(' ')}`;
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const poll = () => {
      if (child.exitCode !== null) return reject(new Error(`${what} exited ${child.exitCode}: ${err}`));
      if (existsSync(socket)) return resolve({ child, stderr: () => err });
      if (Date.now() - t0 > 10_000) return reject(new Error(`${what} did not listen: ${err}`));
      setTimeout(poll, 50);
    };
    poll();
  });
}

/** Stop it (if it still runs) and resolve with its exit code. */
export async function stopServer(s: Server | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (!s || s.child.exitCode !== null) return s?.child.exitCode ?? null;
  const gone = new Promise<number | null>((r) => s.child.once('exit', (code) => r(code)));
  s.child.kill(signal);
  return gone;
}

/** A busybox root filesystem as a tar in `dir` (for `berth import`); its path. */
export async function writeRootfsTar(dir: string): Promise<string> {
  const { tar } = await makeTar(busyboxEntries(readFileSync(BUSYBOX_PATH)));
  const file = join(dir, 'rootfs.tar');
  writeFileSync(file, tar);
  return file;
}

/** `berth system service` on the sandbox's api.sock, never idling out. */
export async function startService(sb: Sandbox, sock = join(sb.dir, 'api.sock')): Promise<Server> {
  return startServer(sb, ['system', 'service', '--time', '0', `unix://${sock}`], sock);
}

/** Remove what a test file made in its sandbox: every container, user network and volume (the default network stays). */
export async function clearEngine(sb: Sandbox): Promise<void> {
  const list = async (args: string[]) => (await sb.run(args)).stdout.trim().split('\n').filter(Boolean);
  const ids = await list(['ps', '-aq', '--no-trunc']);
  if (ids.length) await sb.run(['rm', '-f', ...ids]);
  for (const n of await list(['network', 'ls', '-q', '--filter', 'type=custom'])) await sb.run(['network', 'rm', n]);
  for (const v of await list(['volume', 'ls', '-q'])) await sb.run(['volume', 'rm', '-f', v]);
}

export interface ServiceFixture {
  sb: Sandbox;
  /** a scratch directory of the test file's (rootfs.tar is in it) */
  work: string;
  sock: string;
  /** settles once all of the above is there (node 20 runs a file's root before-hooks at once, not one after another) */
  ready(): Promise<void>;
}

/**
 * What the API and -H test files start from, made before their tests and removed after them: a
 * sandbox with a busybox image imported as `image`, and berth's service on its api.sock.
 */
export function serviceFixture(prefix: string, image: string): ServiceFixture {
  const boxes = sandboxes();
  let service: Server | undefined;
  let setup: Promise<void> | undefined;
  const fx = {
    ready: () =>
      (setup ??= (async () => {
        fx.work = mkdtempSync(join(tmpdir(), prefix));
        const rootfs = await writeRootfsTar(fx.work);
        fx.sb = boxes.fresh();
        fx.sock = join(fx.sb.dir, 'api.sock');
        await ok(fx.sb, ['import', '-c', 'CMD ["sh"]', rootfs, image]);
        service = await startService(fx.sb, fx.sock);
      })()),
  } as ServiceFixture;
  before(() => fx.ready());
  after(async () => {
    await stopServer(service);
    if (fx.sb) await clearEngine(fx.sb);
    boxes.cleanup();
    if (fx.work) rmSync(fx.work, { recursive: true, force: true });
  });
  return fx;
}
