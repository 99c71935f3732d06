// Every command, by the names users type, loaded only when used (each is its own chunk).
import type { Command } from './command.js';

type Loader = () => Promise<{ command: Command }>;

const images: Loader = () => import('./commands/images.js');
const pull: Loader = () => import('./commands/pull.js');
const push: Loader = () => import('./commands/push.js');
const inspect: Loader = () => import('./commands/image-inspect.js');
const tag: Loader = () => import('./commands/tag.js');
const rmi: Loader = () => import('./commands/rmi.js');
const history: Loader = () => import('./commands/history.js');
const save: Loader = () => import('./commands/save.js');
const load: Loader = () => import('./commands/load.js');
const imp: Loader = () => import('./commands/import.js');
const prune: Loader = () => import('./commands/image-prune.js');
const login: Loader = () => import('./commands/login.js');
const logout: Loader = () => import('./commands/logout.js');
const version: Loader = () => import('./commands/version.js');
const info: Loader = () => import('./commands/info.js');
const run: Loader = () => import('./commands/run.js');
const create: Loader = () => import('./commands/create.js');
const start: Loader = () => import('./commands/start.js');
const stop: Loader = () => import('./commands/stop.js');
const kill: Loader = () => import('./commands/kill.js');
const rm: Loader = () => import('./commands/rm.js');
const ps: Loader = () => import('./commands/ps.js');
const logs: Loader = () => import('./commands/logs.js');
const exec: Loader = () => import('./commands/exec.js');
const wait: Loader = () => import('./commands/wait.js');
const anyInspect: Loader = () => import('./commands/inspect.js');
const containerInspect: Loader = () => import('./commands/container-inspect.js');
const cleanup: Loader = () => import('./commands/container-cleanup.js');
const cp: Loader = () => import('./commands/cp.js');
const exp: Loader = () => import('./commands/export.js');
const diff: Loader = () => import('./commands/diff.js');
const commit: Loader = () => import('./commands/commit.js');
const healthcheckRun: Loader = () => import('./commands/healthcheck-run.js');
const pause: Loader = () => import('./commands/pause.js');
const unpause: Loader = () => import('./commands/unpause.js');
const rename: Loader = () => import('./commands/rename.js');
const update: Loader = () => import('./commands/update.js');
const top: Loader = () => import('./commands/top.js');
const port: Loader = () => import('./commands/port.js');
const stats: Loader = () => import('./commands/stats.js');
const attach: Loader = () => import('./commands/attach.js');
const restart: Loader = () => import('./commands/restart.js');
const events: Loader = () => import('./commands/events.js');
const build: Loader = () => import('./commands/build.js');
const builderPrune: Loader = () => import('./commands/builder-prune.js');
const service: Loader = () => import('./commands/system-service.js');
const portForward: Loader = () => import('./commands/port-forward.js');
const cri: Loader = () => import('./commands/system-cri.js');
const network = (name: 'create' | 'ls' | 'inspect' | 'rm' | 'prune' | 'connect' | 'disconnect'): Loader => () => import('./commands/network.js').then((m) => ({ command: m[name] }));
const pod = (name: 'create' | 'ls' | 'inspect' | 'start' | 'stop' | 'restart' | 'kill' | 'rm' | 'prune' | 'top' | 'stats'): Loader => () => import('./commands/pod.js').then((m) => ({ command: m[name] }));
const containerPrune: Loader = () => import('./commands/container-prune.js');
const kube = (name: 'generate' | 'play'): Loader => () => import('./commands/kube.js').then((m) => ({ command: m[name] }));
const generateSystemd: Loader = () => import('./commands/generate-systemd.js');
const generateUnits: Loader = () => import('./commands/generate-units.js');
const volume = (name: 'create' | 'ls' | 'inspect' | 'rm' | 'prune'): Loader => () => import('./commands/volume.js').then((m) => ({ command: m[name] }));

/** Top-level commands, in the order `berth --help` lists them. */
export const topLevel: Record<string, { load: Loader; summary: string }> = {
  run: { load: run, summary: 'Create and run a new container from an image' },
  exec: { load: exec, summary: 'Execute a command in a running container' },
  ps: { load: ps, summary: 'List containers' },
  create: { load: create, summary: 'Create a new container' },
  start: { load: start, summary: 'Start one or more stopped containers' },
  stop: { load: stop, summary: 'Stop one or more running containers' },
  kill: { load: kill, summary: 'Kill one or more running containers' },
  restart: { load: restart, summary: 'Restart one or more containers' },
  rm: { load: rm, summary: 'Remove one or more containers' },
  logs: { load: logs, summary: 'Fetch the logs of a container' },
  wait: { load: wait, summary: 'Block until one or more containers stop, then print their exit codes' },
  cp: { load: cp, summary: 'Copy files/folders between a container and the local filesystem' },
  commit: { load: commit, summary: "Create a new image from a container's changes" },
  diff: { load: diff, summary: "Inspect changes to files or directories on a container's filesystem" },
  export: { load: exp, summary: "Export a container's filesystem as a tar archive" },
  attach: { load: attach, summary: 'Attach local standard input, output, and error streams to a running container' },
  pause: { load: pause, summary: 'Pause all processes within one or more containers' },
  unpause: { load: unpause, summary: 'Unpause all processes within one or more containers' },
  rename: { load: rename, summary: 'Rename a container' },
  update: { load: update, summary: 'Update configuration of one or more containers' },
  top: { load: top, summary: 'Display the running processes of a container' },
  port: { load: port, summary: 'List port mappings or a specific mapping for the container' },
  stats: { load: stats, summary: 'Display a live stream of container(s) resource usage statistics' },
  build: { load: build, summary: 'Build an image from a Dockerfile' },
  pull: { load: pull, summary: 'Download an image from a registry' },
  push: { load: push, summary: 'Upload an image to a registry' },
  images: { load: images, summary: 'List images' },
  inspect: { load: anyInspect, summary: 'Return low-level information on containers and images' },
  tag: { load: tag, summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE' },
  rmi: { load: rmi, summary: 'Remove one or more images' },
  history: { load: history, summary: 'Show the history of an image' },
  save: { load: save, summary: 'Save one or more images to a tar archive' },
  load: { load: load, summary: 'Load an image from a tar archive or STDIN' },
  import: { load: imp, summary: 'Import the contents from a tarball to create a filesystem image' },
  login: { load: login, summary: 'Log in to a registry' },
  logout: { load: logout, summary: 'Log out from a registry' },
  events: { load: events, summary: 'Get real time events from berth' },
  version: { load: version, summary: 'Show the berth version information' },
  info: { load: info, summary: 'Display system-wide information' },
};

/** Management groups: `berth image ls`, `berth system info`. */
export const groups: Record<string, { summary: string; commands: Record<string, Loader> }> = {
  image: {
    summary: 'Manage images',
    commands: { ls: images, list: images, build, pull, push, inspect, tag, rm: rmi, remove: rmi, history, save, load, import: imp, prune },
  },
  container: {
    summary: 'Manage containers',
    commands: { run, create, start, stop, kill, rm, remove: rm, ls: ps, list: ps, ps, logs, exec, wait, inspect: containerInspect, cleanup, cp, commit, diff, export: exp, pause, unpause, rename, update, top, port, stats, prune: containerPrune, attach, restart },
  },
  network: { summary: 'Manage networks', commands: { create: network('create'), ls: network('ls'), list: network('ls'), inspect: network('inspect'), rm: network('rm'), remove: network('rm'), prune: network('prune'), connect: network('connect'), disconnect: network('disconnect') } },
  volume: { summary: 'Manage volumes', commands: { create: volume('create'), ls: volume('ls'), list: volume('ls'), inspect: volume('inspect'), rm: volume('rm'), remove: volume('rm'), prune: volume('prune') } },
  pod: { summary: 'Manage pods (containers sharing network, IPC and UTS namespaces)', commands: { create: pod('create'), ls: pod('ls'), list: pod('ls'), ps: pod('ls'), inspect: pod('inspect'), start: pod('start'), stop: pod('stop'), restart: pod('restart'), kill: pod('kill'), rm: pod('rm'), remove: pod('rm'), prune: pod('prune'), top: pod('top'), stats: pod('stats') } },
  kube: { summary: 'Play containers, pods or volumes from Kubernetes YAML, and generate it', commands: { generate: kube('generate'), play: kube('play') } },
  play: { summary: 'Play Kubernetes YAML (an alias of kube play)', commands: { kube: kube('play') } },
  builder: { summary: 'Manage builds', commands: { build, prune: builderPrune } },
  healthcheck: { summary: 'Manage container health checks', commands: { run: healthcheckRun } },
  generate: { summary: 'Generate structured data (systemd units)', commands: { systemd: generateSystemd } },
  systemd: { summary: 'systemd integration', commands: { 'generate-units': generateUnits } },
  system: { summary: 'Manage berth', commands: { info, version, events, service, cri, 'port-forward': portForward } },
};

// `berth generate kube` (podman's older spelling of kube generate).
(groups.generate ??= { summary: 'Generate structured data', commands: {} }).commands.kube = kube('generate');
