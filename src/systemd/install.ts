// What a unit needs to know about this berth: the launcher's absolute path (systemd wants
// absolute paths in Exec*=) and the BERTH_* settings that make it find the same state.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { defaultPaths, type Config } from '../config.js';
import { findOnPath } from '../platform/runtimes.js';
import type { Installation } from './generate.js';

/** bin/berth beside the running bundle (dist/launch.cjs), else `berth` on PATH. */
export function berthExecutable(): string {
  const script = process.argv[1];
  if (script) {
    const launcher = resolve(dirname(script), '..', 'bin', 'berth');
    if (existsSync(launcher)) return realpathSync(launcher);
  }
  const onPath = findOnPath('berth');
  return onPath ? resolve(onPath) : '/usr/local/bin/berth';
}

export function installation(config: Config, env: NodeJS.ProcessEnv = process.env): Installation {
  const defs = defaultPaths(env);
  const vars: Record<string, string> = {};
  if (resolve(config.root) !== resolve(defs.root)) vars.BERTH_ROOT = resolve(config.root);
  if (resolve(config.runroot) !== resolve(defs.runroot)) vars.BERTH_RUNROOT = resolve(config.runroot);
  const configPath = resolve(config.configPath);
  if (configPath !== resolve(defs.configPath) && existsSync(configPath)) vars.BERTH_CONFIG = configPath;
  return { executable: berthExecutable(), root: resolve(config.root), runroot: resolve(config.runroot), ...(vars.BERTH_CONFIG ? { configPath } : {}), env: vars };
}

export function conmonPidFile(config: Config, id: string): string {
  return join(resolve(config.runroot), 'containers', id, 'conmon.pid');
}
