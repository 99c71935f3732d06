// A throwaway registry for the benchmarks: Debian's docker-registry (the CNCF distribution
// registry, plain HTTP) on a free 127.0.0.1 port, storing into a temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, killGroup, log, makeTempDir, removeTree, sleep } from './util.js';

export const REGISTRY_BIN = process.env.BENCH_REGISTRY_BIN ?? '/usr/bin/docker-registry';

export interface Registry {
  /** host:port, e.g. 127.0.0.1:40123; use as the first part of an image reference. */
  host: string;
  dir: string;
  stop(): Promise<void>;
}

function config(dataDir: string, addr: string): string {
  // Access logs off and the in-memory blob descriptor cache on: the registry should be as
  // cheap as possible so that the engine's work dominates the measurement.
  return [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${dataDir}`,
    '  cache:',
    '    blobdescriptor: inmemory',
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${addr}`,
    '',
  ].join('\n');
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolvePromise) => {
    const t = setTimeout(() => resolvePromise(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolvePromise(true);
    });
  });
}

async function ready(host: string, child: ChildProcess, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const res = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return true;
    } catch {
      /* not listening yet */
    }
    await sleep(50);
  }
  return false;
}

/** Starts a registry and waits until GET /v2/ answers 200. */
export async function startRegistry(parent?: string): Promise<Registry> {
  const dir = await makeTempDir('bench-registry-', parent);
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  let lastLog = '';
  // The free port is only reserved until we close the probe socket; retry on a lost race.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const cfg = join(dir, 'config.yml');
    await writeFile(cfg, config(dataDir, host));
    const logPath = join(dir, `registry-${attempt}.log`);
    const fd = openSync(logPath, 'w');
    const child = spawn(REGISTRY_BIN, ['serve', cfg], { stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    child.on('error', () => {
      /* reported through ready() = false */
    });
    if (await ready(host, child, 15_000)) {
      log(`registry on ${host} (data in ${dataDir})`);
      return {
        host,
        dir,
        async stop() {
          killGroup(child.pid, 'SIGTERM');
          if (!(await waitForExit(child, 5000))) {
            killGroup(child.pid, 'SIGKILL');
            await waitForExit(child, 5000);
          }
          await removeTree(dir);
        },
      };
    }
    killGroup(child.pid, 'SIGKILL');
    await waitForExit(child, 5000);
    lastLog = await readFile(logPath, 'utf8').catch(() => '');
  }
  await removeTree(dir);
  throw new Error(`docker-registry did not start: ${lastLog.trim().split('\n').slice(-3).join(' | ')}`);
}

/** The digest the registry serves for a manifest (to check a push kept our bytes). */
export async function manifestDigest(reg: Registry, repo: string, tag: string): Promise<string | null> {
  const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: [
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
      ].join(', '),
    },
  });
  return res.ok ? res.headers.get('docker-content-digest') : null;
}
