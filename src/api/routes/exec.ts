// /containers/{id}/exec, /exec/{id}/start|resize|json. An exec instance is a small JSON file
// under the runroot (not service memory), so `inspect` answers whichever process asks.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { int, json, readJson, res, type ApiRequest } from '../http.js';
import type { Router } from '../router.js';
import { hijack } from '../stream.js';
import { ContainerService } from '../../engine/containers.js';
import { DetachKeys, parseDetachKeys } from '../../engine/attach.js';
import { conflict, invalid, notFound, notImplemented } from '../../errors.js';
import type { EngineContext } from '../../engine/context.js';

interface ExecRecord {
  ID: string;
  ContainerID: string;
  Cmd: string[];
  Env: string[];
  User: string;
  WorkingDir: string;
  Tty: boolean;
  Privileged: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  DetachKeys: string;
  Running: boolean;
  Started: boolean;
  ExitCode: number | null;
  Pid: number;
}

const TTY_EXEC = 'exec with a terminal (-t) is not supported by berth system service yet: exec without -t, or use `berth exec -it`';

function dir(engine: EngineContext): string {
  const d = join(engine.config.runroot, 'execs');
  mkdirSync(d, { recursive: true, mode: 0o700 });
  return d;
}

function save(engine: EngineContext, e: ExecRecord): void {
  const f = join(dir(engine), e.ID);
  writeFileSync(`${f}.tmp`, JSON.stringify(e), { mode: 0o600 });
  renameSync(`${f}.tmp`, f);
}

function load(engine: EngineContext, id: string): ExecRecord {
  if (!/^[a-f0-9]{64}$/.test(id)) throw notFound(`No such exec instance: ${id}`);
  try {
    return JSON.parse(readFileSync(join(dir(engine), id), 'utf8')) as ExecRecord;
  } catch {
    throw notFound(`No such exec instance: ${id}`);
  }
}

/** Exec records of containers that are gone, and finished ones older than an hour. */
function sweep(engine: EngineContext, svc: ContainerService): void {
  const d = dir(engine);
  const old = Date.now() - 3600_000;
  for (const n of readdirSync(d)) {
    try {
      const f = join(d, n);
      const e = JSON.parse(readFileSync(f, 'utf8')) as ExecRecord;
      if (!svc.store.get(e.ContainerID) || (!e.Running && statSync(f).mtimeMs < old)) rmSync(f, { force: true });
    } catch {
      /* raced with another sweep */
    }
  }
}

function strs(v: unknown, name: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(`invalid ${name}: expected an array of strings`);
  return v as string[];
}

async function create(r: ApiRequest): Promise<void> {
  const body = await readJson(r.req);
  const svc = new ContainerService(r.engine);
  const c = await svc.get(r.params.id);
  if (!c.state.Running) throw conflict(`container ${c.id} is not running`);
  if (c.state.Paused) throw conflict(`container ${c.id} is paused, unpause the container before exec`);
  const cmd = strs(body.Cmd, 'Cmd');
  if (!cmd.length) throw invalid('No exec command specified');
  sweep(r.engine, svc);
  const e: ExecRecord = {
    ID: randomBytes(32).toString('hex'),
    ContainerID: c.id,
    Cmd: cmd,
    Env: strs(body.Env, 'Env'),
    User: typeof body.User === 'string' ? body.User : '',
    WorkingDir: typeof body.WorkingDir === 'string' ? body.WorkingDir : '',
    Tty: body.Tty === true,
    Privileged: body.Privileged === true,
    AttachStdin: body.AttachStdin === true,
    AttachStdout: body.AttachStdout === true,
    AttachStderr: body.AttachStderr === true,
    DetachKeys: typeof body.DetachKeys === 'string' ? body.DetachKeys : '',
    Running: false,
    Started: false,
    ExitCode: null,
    Pid: 0,
  };
  if (e.DetachKeys) parseDetachKeys(e.DetachKeys);
  if (e.Tty) throw notImplemented(TTY_EXEC);
  save(r.engine, e);
  json(r, 201, { Id: e.ID });
}

async function start(r: ApiRequest): Promise<void> {
  const body = await readJson(r.req, {} as Record<string, unknown>);
  const e = load(r.engine, r.params.id);
  if (e.Started) throw conflict(`exec ${e.ID} has already been started`);
  const detach = body.Detach === true;
  const tty = typeof body.Tty === 'boolean' ? body.Tty : e.Tty;
  // `runtime exec --tty` in the foreground needs a terminal of its own; through conmon's exec
  // session (attach socket, resize FIFO) is the way, not built yet.
  if (tty) throw notImplemented(TTY_EXEC);
  const svc = new ContainerService(r.engine);
  const { child, exit } = await svc.spawnExec(e.ContainerID, { cmd: e.Cmd, env: e.Env, user: e.User || undefined, workdir: e.WorkingDir || undefined, tty, privileged: e.Privileged });
  e.Started = true;
  e.Running = true;
  e.Pid = child.pid ?? 0;
  save(r.engine, e);
  const finished = exit.then((code) => {
    save(r.engine, { ...load(r.engine, e.ID), Running: false, ExitCode: code });
  });
  if (detach) {
    child.stdin!.end();
    child.stdout!.resume();
    child.stderr!.resume();
    res(r).writeHead(200, { 'Content-Type': 'application/json' }).end();
    return;
  }
  const conn = hijack(r, !tty);
  child.stdout!.on('data', (d: Buffer) => (e.AttachStdout ? conn.out('stdout', d) : undefined));
  child.stderr!.on('data', (d: Buffer) => (e.AttachStderr ? conn.out('stderr', d) : undefined));
  if (e.AttachStdin) {
    const keys = new DetachKeys(parseDetachKeys(e.DetachKeys || undefined));
    conn.input.on('data', (d: Buffer) => {
      if (tty && keys.feed(d)) return conn.end();
      child.stdin!.write(d);
    });
    conn.input.on('end', () => child.stdin!.end());
    conn.input.resume();
  } else child.stdin!.end();
  child.stdin!.on('error', () => undefined);
  // The exit code is on disk before the stream ends: docker's CLI inspects the exec right after.
  await Promise.race([finished, conn.closed]);
  conn.end();
}

async function resize(r: ApiRequest): Promise<void> {
  const e = load(r.engine, r.params.id);
  int(r.query, 'h');
  int(r.query, 'w');
  if (!e.Running) throw conflict(`exec ${e.ID} is not running`);
  // `runtime exec` in the foreground keeps the terminal itself: its size follows the container's.
  res(r).writeHead(200).end();
}

function inspect(r: ApiRequest): void {
  const e = load(r.engine, r.params.id);
  json(r, 200, {
    ID: e.ID,
    Running: e.Running,
    ExitCode: e.ExitCode,
    ProcessConfig: { tty: e.Tty, entrypoint: e.Cmd[0], arguments: e.Cmd.slice(1), privileged: e.Privileged, user: e.User },
    OpenStdin: e.AttachStdin,
    OpenStderr: e.AttachStderr,
    OpenStdout: e.AttachStdout,
    CanRemove: !e.Running && e.Started,
    ContainerID: e.ContainerID,
    DetachKeys: e.DetachKeys,
    Pid: e.Pid,
  });
}

export function execRoutes(router: Router): void {
  router
    .post('/containers/{id}/exec', create)
    .post('/exec/{id}/start', start)
    .post('/exec/{id}/resize', resize)
    .get('/exec/{id}/json', inspect);
}
