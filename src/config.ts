// Global configuration: built-in defaults < config file (TOML) < environment < flags.
import { hostUid, inUserNamespace } from './platform/userns.js';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { invalid } from './errors.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RuntimeConfig {
  path: string;
  args: string[];
}

export interface Config {
  root: string;
  runroot: string;
  configPath: string;
  logLevel: LogLevel;
  rootless: boolean;
  storageDriver: 'overlay';
  /** Rootless: the kernel's overlay in the user namespace, fuse-overlayfs, or the first that works. */
  rootlessOverlay: 'auto' | 'native' | 'fuse-overlayfs';
  /** Largest uncompressed size accepted for a single layer (bytes): decompression bombs stop here. */
  maxLayerSize: number;
  /** Layers fetched and unpacked at once during a pull. */
  pullConcurrency: number;
  /** Registries reached over plain http (host[:port]); loopback hosts always are. */
  insecureRegistries: string[];
  /** Pull-through mirrors per registry domain, tried in order before the registry itself. */
  mirrors: Record<string, string[]>;
  /** Extra OCI runtimes by name (runc, crun, runsc are found on PATH). */
  runtimes: Record<string, RuntimeConfig>;
  defaultRuntime?: string;
  /** The default bridge network: its subnet and host interface (docker's docker0). */
  defaultNetwork: { subnet: string; interface: string };
  /** Where new networks get their /24 when no --subnet is given (docker's default-address-pools). */
  subnetPool: string;
  /** The static init (tini) that --init runs as PID 1. */
  initPath: string;
  /** Where CDI device specs are looked up. */
  cdiSpecDirs: string[];
  /** Directory of docker's config.json (credentials), as DOCKER_CONFIG. */
  dockerConfigDir: string;
}

export interface GlobalFlags {
  root?: string;
  runroot?: string;
  config?: string;
  logLevel?: string;
}

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Rootless: run by an ordinary user, or already inside that user's namespace (root there). */
function isRootless(): boolean {
  return (typeof process.getuid === 'function' && process.getuid() !== 0) || inUserNamespace();
}

export function defaultPaths(env: NodeJS.ProcessEnv = process.env) {
  const rootless = isRootless();
  const home = env.HOME || homedir();
  if (!rootless) {
    return { root: '/var/lib/berth', runroot: '/run/berth', configPath: '/etc/berth/berth.toml', rootless };
  }
  const data = env.XDG_DATA_HOME || join(home, '.local/share');
  const cfg = env.XDG_CONFIG_HOME || join(home, '.config');
  const run = env.XDG_RUNTIME_DIR || `/tmp/berth-run-${hostUid()}`;
  return { root: join(data, 'berth'), runroot: join(run, 'berth'), configPath: join(cfg, 'berth/berth.toml'), rootless };
}

function parseSizeSetting(v: unknown, key: string): number {
  if (typeof v === 'number' && v > 0) return v;
  if (typeof v === 'string') {
    const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)$/i.exec(v.trim());
    if (m) {
      const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as '' | 'k'];
      return Math.floor(Number(m[1]) * mult);
    }
  }
  throw invalid(`config: ${key} must be a size such as "64GiB", got ${JSON.stringify(v)}`);
}

type Toml = Record<string, unknown>;

async function loadToml(path: string, required: boolean): Promise<Toml> {
  if (!existsSync(path)) {
    if (required) throw invalid(`config file ${path} does not exist`);
    return {};
  }
  // Loaded only when a config file exists: most invocations never pay for the parser.
  const { parse } = await import('smol-toml');
  try {
    return parse(readFileSync(path, 'utf8')) as Toml;
  } catch (e) {
    throw invalid(`config file ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
}

function table(t: Toml, key: string): Toml {
  const v = t[key];
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Toml) : {};
}

function strings(v: unknown, key: string): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  throw invalid(`config: ${key} must be a list of strings`);
}

export async function loadConfig(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const defs = defaultPaths(env);
  const configPath = flags.config ?? env.BERTH_CONFIG ?? defs.configPath;
  const file = await loadToml(configPath, Boolean(flags.config ?? env.BERTH_CONFIG));
  const storage = table(file, 'storage');
  const registries = table(file, 'registries');
  const runtimesT = table(file, 'runtimes');

  const logLevel = (flags.logLevel ?? env.BERTH_LOG_LEVEL ?? (file.log_level as string | undefined) ?? 'warn') as LogLevel;
  if (!LEVELS.includes(logLevel)) throw invalid(`invalid log level "${logLevel}": use one of ${LEVELS.join(', ')}`);

  const runtimes: Record<string, RuntimeConfig> = {};
  for (const [name, v] of Object.entries(runtimesT)) {
    const r = v as Toml;
    if (typeof r.path !== 'string') throw invalid(`config: runtimes.${name}.path must be a string`);
    runtimes[name] = { path: r.path, args: strings(r.args, `runtimes.${name}.args`) };
  }
  const mirrors: Record<string, string[]> = {};
  for (const [domain, list] of Object.entries(table(registries, 'mirrors'))) {
    mirrors[domain] = strings(list, `registries.mirrors."${domain}"`);
  }
  const driver = (storage.driver as string | undefined) ?? 'overlay';
  if (driver !== 'overlay') throw invalid(`config: storage driver "${driver}" is not supported (overlay)`);
  const conc = Number(env.BERTH_PULL_CONCURRENCY ?? file.pull_concurrency ?? 6);
  const rootlessOverlay = (storage.rootless_overlay as string | undefined) ?? 'auto';
  if (!['auto', 'native', 'fuse-overlayfs'].includes(rootlessOverlay)) throw invalid(`config: storage.rootless_overlay "${rootlessOverlay}" must be auto, native or fuse-overlayfs`);

  return {
    root: flags.root ?? env.BERTH_ROOT ?? (file.root as string | undefined) ?? defs.root,
    runroot: flags.runroot ?? env.BERTH_RUNROOT ?? (file.runroot as string | undefined) ?? defs.runroot,
    configPath,
    logLevel,
    rootless: defs.rootless,
    storageDriver: 'overlay',
    rootlessOverlay: rootlessOverlay as Config['rootlessOverlay'],
    maxLayerSize: parseSizeSetting(env.BERTH_MAX_LAYER_SIZE ?? storage.max_layer_size ?? '64GiB', 'storage.max_layer_size'),
    pullConcurrency: Number.isInteger(conc) && conc > 0 ? conc : 6,
    insecureRegistries: strings(registries.insecure, 'registries.insecure'),
    mirrors,
    runtimes,
    defaultRuntime: file.default_runtime as string | undefined,
    initPath: (file.init_path as string | undefined) ?? '/usr/bin/tini-static',
    subnetPool: (table(file, 'network').subnet_pool as string | undefined) ?? '10.89.0.0/16',
    defaultNetwork: {
      subnet: (table(file, 'network').default_subnet as string | undefined) ?? '10.87.0.0/16',
      interface: (table(file, 'network').default_interface as string | undefined) ?? 'berth0',
    },
    cdiSpecDirs: file.cdi_spec_dirs !== undefined ? strings(file.cdi_spec_dirs, 'cdi_spec_dirs') : ['/etc/cdi', '/var/run/cdi'],
    dockerConfigDir: env.DOCKER_CONFIG ?? join(env.HOME || homedir(), '.docker'),
  };
}
