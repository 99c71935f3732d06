// OCI runtimes: which are installed, and whether each can work on this host. The default
// runtime is the first that works, in the order of KNOWN (or the config's default_runtime).
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Config } from '../config.js';
import { cgroupMode } from './cgroups.js';

export interface RuntimeInfo {
  name: string;
  path: string | null;
  version: string | null;
  works: boolean;
  /** why it does not work, or notes on how it works here */
  reason: string;
}

const KNOWN = ['runc', 'crun', 'runsc', 'kata-runtime', 'youki'];

export function findOnPath(bin: string): string | null {
  if (bin.includes('/')) return bin;
  for (const dir of (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    const p = join(dir, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

function version(path: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(path, ['--version'], { timeout: 5000 }, (err, stdout) => {
      if (err) return resolve(null);
      const m = /version\s+v?([\w.+~-]+)/i.exec(stdout);
      resolve(m ? m[1] : stdout.split('\n')[0].trim() || 'unknown');
    });
  });
}

/**
 * The default runtime without running anything (every `create` needs it): the configured
 * default, else the first known runtime on PATH that can work with this host's cgroups.
 */
export function defaultRuntime(config: Config): string | null {
  if (config.defaultRuntime) return config.defaultRuntime;
  const hybrid = cgroupMode().mode === 'hybrid';
  return KNOWN.find((n) => findOnPath(config.runtimes[n]?.path ?? n) && !(n === 'crun' && hybrid)) ?? null;
}

export async function probeRuntimes(config: Config): Promise<{ runtimes: RuntimeInfo[]; default: string | null }> {
  const { mode } = cgroupMode();
  const names = [...new Set([...KNOWN, ...Object.keys(config.runtimes)])];
  const runtimes = await Promise.all(
    names.map(async (name): Promise<RuntimeInfo> => {
      const path = findOnPath(config.runtimes[name]?.path ?? name);
      if (!path) return { name, path: null, version: null, works: false, reason: 'not installed' };
      const v = await version(path);
      if (!v) return { name, path, version: null, works: false, reason: `${path} --version failed` };
      if (name === 'crun' && mode === 'hybrid') return { name, path, version: v, works: false, reason: 'crun does not support hybrid cgroups (v1 controllers with a cgroup2 mount)' };
      if (name === 'runsc') return { name, path, version: v, works: true, reason: 'gVisor: needs --network=none or host networking' };
      return { name, path, version: v, works: true, reason: '' };
    }),
  );
  const installed = runtimes.filter((r) => r.path);
  const preferred = config.defaultRuntime ? runtimes.find((r) => r.name === config.defaultRuntime && r.works) : undefined;
  return { runtimes: installed, default: (preferred ?? runtimes.find((r) => r.works))?.name ?? null };
}
