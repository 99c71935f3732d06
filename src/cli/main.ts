// berth's entry point: global flags, then one command module loaded on demand.
import { loadConfig, type Config } from '../config.js';
import { BerthError, errorMessage } from '../errors.js';
import { helpText, parseArgs, UsageError, type FlagSpec } from './args.js';
import type { Cli, Command } from './command.js';
import { groups, topLevel } from './registry.js';
import type { EngineContext } from '../engine/context.js';
import type { Backend } from '../backend/backend.js';
import { WORKER_URL } from '../images/worker-url.js';
import { log, setLogLevel } from '../util/log.js';
import { VERSION } from '../version.js';
import { inUserNamespace } from '../platform/userns.js';

// The unpack worker is a bundle of its own beside this one (see scripts/build.mjs).
WORKER_URL.href = new URL('./unpack-worker.cjs', import.meta.url);

const globalFlags: FlagSpec[] = [
  { name: 'root', type: 'string', value: 'path', help: 'Storage root (default /var/lib/berth, or $XDG_DATA_HOME/berth rootless; env BERTH_ROOT)' },
  { name: 'runroot', type: 'string', value: 'path', help: 'Transient state root (default /run/berth, or $XDG_RUNTIME_DIR/berth rootless; env BERTH_RUNROOT)' },
  { name: 'config', type: 'string', value: 'file', help: 'Config file, TOML (default /etc/berth/berth.toml, or $XDG_CONFIG_HOME/berth/berth.toml; env BERTH_CONFIG)' },
  { name: 'host', short: 'H', type: 'string', value: 'url', help: 'The engine to use: unix:///path, tcp://host:port or ssh://[user@]host[:port][/socket] (a berth service or dockerd; env BERTH_HOST)' },
  { name: 'identity', type: 'string', value: 'file', help: 'ssh identity (private key) for an ssh:// host (env BERTH_SSHKEY)' },
  { name: 'log-level', short: 'l', type: 'string', value: 'level', help: 'Log level: debug, info, warn, error (env BERTH_LOG_LEVEL)' },
  { name: 'debug', short: 'D', type: 'bool', help: 'Enable debug output' },
  { name: 'help', short: 'h', type: 'bool', help: 'Print usage' },
  { name: 'version', short: 'v', type: 'bool', help: 'Print version information and quit' },
];

function mainHelp(): string {
  const w = 12;
  const lines = ['', 'Usage:  berth [OPTIONS] COMMAND', '', 'A daemonless, Docker-compatible container engine', '', 'Commands:'];
  for (const [n, c] of Object.entries(topLevel)) lines.push(`  ${n.padEnd(w)}${c.summary}`);
  lines.push('', 'Management Commands:');
  for (const [n, g] of Object.entries(groups)) lines.push(`  ${n.padEnd(w)}${g.summary}`);
  return lines.join('\n') + '\n' + helpText('berth [OPTIONS] COMMAND', '', globalFlags).split('\n').slice(3).join('\n') + "\nRun 'berth COMMAND --help' for more information on a command.\n";
}

function splitGlobal(argv: string[]): { globals: string[]; rest: string[] } {
  const valued = new Set(['--root', '--runroot', '--config', '--log-level', '-l', '--host', '-H', '--identity']);
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '--') {
    i += valued.has(argv[i]) ? 2 : 1;
  }
  return { globals: argv.slice(0, i), rest: argv.slice(i) };
}

async function resolveCommand(rest: string[]): Promise<{ name: string; command: Command; argv: string[] } | { help: string; code: number }> {
  const [first, second] = rest;
  if (!first) return { help: mainHelp(), code: 0 };
  if (first in groups) {
    const g = groups[first];
    const load = second ? g.commands[second] : undefined;
    if (!load) {
      const list = Object.keys(g.commands).map((c) => `  ${c}`).join('\n');
      const usage = `\nUsage:  berth ${first} COMMAND\n\n${g.summary}\n\nCommands:\n${list}\n`;
      if (!second || second === '--help' || second === '-h') return { help: usage, code: 0 };
      return { help: `berth: '${first} ${second}' is not a berth command.\nSee 'berth ${first} --help'\n`, code: 1 };
    }
    return { name: `${first} ${second}`, command: (await load()).command, argv: rest.slice(2) };
  }
  const top = topLevel[first];
  if (!top) return { help: `berth: '${first}' is not a berth command.\nSee 'berth --help'\n`, code: 1 };
  return { name: first, command: (await top.load()).command, argv: rest.slice(1) };
}

export async function main(argv: string[]): Promise<number> {
  const { globals, rest } = splitGlobal(argv);
  let config: Config;
  let engine: EngineContext | undefined;
  let backend: Backend | undefined;
  const write = (s: string) => process.stdout.write(s);
  const err = (s: string) => process.stderr.write(s);
  let failureCode = 1;
  try {
    const g = parseArgs(globals, globalFlags, 'berth');
    if (g.flags.version) {
      write(`berth version ${VERSION}\n`);
      return 0;
    }
    if (g.flags.help && rest.length === 0) {
      write(mainHelp());
      return 0;
    }
    config = await loadConfig({ root: g.flags.root as string | undefined, runroot: g.flags.runroot as string | undefined, config: g.flags.config as string | undefined, logLevel: g.flags.debug ? 'debug' : (g.flags['log-level'] as string | undefined) });
    setLogLevel(config.logLevel);
    const host = (g.flags.host as string | undefined) ?? (process.env.BERTH_HOST || undefined);
    if (!host && config.rootless && !inUserNamespace()) {
      // Rootless: everything happens inside the user's own namespace (see platform/userns.ts).
      const { reexecInUserNamespace } = await import('../platform/userns.js');
      return await reexecInUserNamespace(config.runroot, process.argv.slice(1));
    }
    const resolved = await resolveCommand(rest);
    if ('help' in resolved) {
      (resolved.code === 0 ? write : err)(resolved.help);
      return resolved.code;
    }
    const { command, name } = resolved;
    failureCode = command.failureCode ?? 1;
    if (resolved.argv.includes('--help') || resolved.argv.includes('-h') && !command.flags.some((f) => f.short === 'h')) {
      write(helpText(`berth ${name} ${command.usage}`, command.summary, [...command.flags, { name: 'help', type: 'bool', help: 'Print usage' }], command.aliases));
      return 0;
    }
    const parsed = parseArgs(resolved.argv, command.flags, name, !command.stopAtPositional);
    const { EngineContext } = await import('../engine/context.js');
    const remote = host ? await import('../backend/remote/index.js').then((m) => new m.RemoteBackend(m.parseHost(host), { identity: (g.flags.identity as string | undefined) ?? (process.env.BERTH_SSHKEY || undefined), dockerConfig: config.dockerConfigDir })) : undefined;
    // Only one of the two backends is ever loaded (the local one pulls in the engine's services).
    const { LocalBackend } = remote ? { LocalBackend: undefined } : await import('../backend/local/index.js');
    const [min, max] = command.args;
    if (parsed.args.length < min || parsed.args.length > max) {
      const want = min === max ? `exactly ${min} argument${min === 1 ? '' : 's'}` : max === Infinity ? `at least ${min} argument${min === 1 ? '' : 's'}` : `at most ${max} argument${max === 1 ? '' : 's'}`;
      throw new UsageError(`"berth ${name}" requires ${want}.`, name);
    }
    const cli: Cli = {
      config,
      get backend() {
        return (backend ??= remote ?? new LocalBackend!(this.engine));
      },
      get engine() {
        if (remote) throw new BerthError('not-implemented', `"berth ${name}" works on this host's engine only, not on a remote one (${remote.where})`);
        return (engine ??= new EngineContext(config));
      },
      out: write,
      err,
      stdoutIsTTY: Boolean(process.stdout.isTTY),
    };
    const code = await command.run(cli, parsed.flags, parsed.args);
    return code ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}\nSee 'berth ${e.command === 'berth' ? '' : e.command + ' '}--help'.\n`);
      return 125;
    }
    if (!(e instanceof BerthError)) log.debug((e as Error)?.stack ?? String(e));
    err(`Error: ${errorMessage(e)}\n`);
    return e instanceof BerthError && e.exitCode !== undefined ? e.exitCode : failureCode;
  } finally {
    backend?.close();
    engine?.close();
  }
}

// The monitor runs berth's cleanup with a bare environment: make sure the system tools
// (ip, mount, runc in /usr/sbin) are found whatever PATH the caller had.
{
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (!dirs.includes(d)) dirs.push(d);
  process.env.PATH = dirs.join(':');
}

// A reader that went away (`berth diff | head`) ends the command quietly, as in docker.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode === 125 ? 0 : (process.exitCode ?? 0));
    throw e;
  });
}

// If a command never settles (the event loop ran dry), the process must not look successful.
process.exitCode = 125;
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`Error: ${errorMessage(e)}\n`);
    process.exitCode = 125;
  },
);
