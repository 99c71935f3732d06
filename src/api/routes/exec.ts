// /containers/{id}/exec, /exec/{id}/start|resize|json. An exec instance is a small JSON file
// under the runroot (not service memory), so `inspect` answers whichever process asks.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { int, json, readJson, res, type ApiRequest } from '../http.js';
import type { Router } from '../router.js';
import { hijack, type Hijacked } from '../stream.js';
import { ContainerService } from '../../engine/containers.js';
import { AttachSocket, DetachKeys, parseDetachKeys } from '../../engine/attach.js';
import { conflict, invalid, notFound } from '../../errors.js';
import { launchExecSession, resizeExecSession, type ExecSession } from '../../runtime/exec-monitor.js';
import type { EngineContext } from '../../engine/context.js';
import { containerPaths } from '../../containers/paths.js';

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
      if (!svc.store.get(e.ContainerID) || (!e.Running && statSync(f).mtimeMs < old)) {
        rmSync(f, { force: true });
        if (e.Tty) removeSession(engine, e);
      }
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
  save(r.engine, e);
  json(r, 201, { Id: e.ID });
}

async function start(r: ApiRequest): Promise<void> {
  const body = await readJson(r.req, {} as Record<string, unknown>);
  const e = load(r.engine, r.params.id);
  if (e.Started) throw conflict(`exec ${e.ID} has already been started`);
  const detach = body.Detach === true;
  const tty = typeof body.Tty === 'boolean' ? body.Tty : e.Tty;
  const svc = new ContainerService(r.engine);
  if (tty) return startTerminal(r, svc, e, detach, consoleSize(body.ConsoleSize));
  const { child, exit } = await svc.spawnExec(e.ContainerID, { cmd: e.Cmd, env: e.Env, user: e.User || undefined, workdir: e.WorkingDir || undefined, tty, privileged: e.Privileged });
  e.Started = true;
  e.Running = true;
  e.Pid = child.pid ?? 0;
  save(r.engine, e);
  // When the runtime cannot start the process (no such command, ...) its error is the first
  // thing on stderr and it exits 255: docker reports that as exit code 126 with the message
  // in the stream. The first stderr bytes are held until it is clear which it is.
  const stderr = new RuntimeErrorFilter();
  const finished = exit.then((code) => {
    const failed = code === 255 ? stderr.runtimeError() : undefined;
    save(r.engine, { ...load(r.engine, e.ID), Running: false, ExitCode: failed === undefined ? code : 126 });
    return failed;
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
  child.stderr!.on('data', (d: Buffer) => {
    for (const x of stderr.feed(d)) if (e.AttachStderr) conn.out('stderr', x);
  });
  void finished.then((failed) => {
    if (failed !== undefined) conn.out('stdout', Buffer.from(`OCI runtime exec failed: ${failed}: unknown\r\n`));
    else for (const x of stderr.flush()) if (e.AttachStderr) conn.out('stderr', x);
  });
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

/** Holds stderr's first bytes while they may be the runtime's own error line (`time="..." level=error msg="..."`). */
class RuntimeErrorFilter {
  private held: Buffer[] | undefined = [];

  /** what can go to the client now */
  feed(d: Buffer): Buffer[] {
    if (!this.held) return [d];
    this.held.push(d);
    const text = Buffer.concat(this.held).toString();
    const prefix = 'time="';
    const maybe = text.length < prefix.length ? prefix.startsWith(text) : text.startsWith(prefix) && (!text.includes('\n') || RUNTIME_ERROR.test(text));
    return maybe && text.length < 65536 ? [] : this.flush();
  }

  flush(): Buffer[] {
    const out = this.held ?? [];
    this.held = undefined;
    return out;
  }

  /** the runtime's message, when all that came on stderr is its error */
  runtimeError(): string | undefined {
    if (!this.held) return undefined;
    const m = RUNTIME_ERROR.exec(Buffer.concat(this.held).toString());
    return m ? m[1].replace(/\\"/g, '"') : undefined;
  }
}

// runc's: `time="..." level=error msg="exec failed: unable to start container process: ..."` (it may repeat the line)
const RUNTIME_ERROR = /^time="[^"]*" level=error msg="(exec failed: (?:[^"\\]|\\.)*)"\n(?:time="[^"]*" level=error msg="(?:[^"\\]|\\.)*"\n)*$/;

function consoleSize(v: unknown): { height: number; width: number } | undefined {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isInteger(n) && n > 0 && n <= 1000)) return undefined;
  return { height: v[0] as number, width: v[1] as number };
}

/** An exec session's own directory: conmon's attach socket, ctl FIFO, pid and exit files. */
function sessionDir(engine: EngineContext, id: string): string {
  return join(engine.config.runroot, 'exec-sessions', id.slice(0, 12));
}

/** The link to a session's attach socket (conmon names it by the session id, -u). */
function sessionLink(engine: EngineContext, e: ExecRecord): string {
  return join(containerPaths(engine.config, e.ContainerID).socketDir, e.ID.slice(0, 12));
}

/** A session's directory and socket link, once it has ended (conmon 2.1.6 leaves the link behind). */
function removeSession(engine: EngineContext, e: ExecRecord): void {
  rmSync(sessionDir(engine, e.ID), { recursive: true, force: true });
  rmSync(sessionLink(engine, e), { force: true });
}

/**
 * Exec with a terminal: the process runs under its own conmon (see runtime/exec-monitor.ts for
 * why), reached through conmon's attach socket like a container with a tty. The output is raw
 * (a terminal has one stream); resizes go to the session's ctl FIFO.
 */
async function startTerminal(r: ApiRequest, svc: ContainerService, e: ExecRecord, detach: boolean, size: { height: number; width: number } | undefined): Promise<void> {
  const c = await svc.get(e.ContainerID);
  if (!c.state.Running) throw conflict(`container ${c.id} is not running`);
  const dir = sessionDir(r.engine, e.ID);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const spec = svc.execProcess(c, { cmd: e.Cmd, env: e.Env, user: e.User || undefined, workdir: e.WorkingDir || undefined, tty: true, privileged: e.Privileged, consoleSize: size });
  const cleanup = () => {
    rmSync(spec, { force: true });
    removeSession(r.engine, e);
  };
  let session: ExecSession;
  try {
    session = await launchExecSession({ containerId: c.id, sessionId: e.ID.slice(0, 12), dir, socketDir: svc.paths(c.id).socketDir, runtime: svc.runtime(c), processSpec: spec, stdin: e.AttachStdin && !detach });
  } catch (err) {
    cleanup();
    throw err;
  }
  // Output before the client's stream is ready (the process runs before the 101 goes out) waits here.
  let conn: Hijacked | undefined;
  const early: Buffer[] = [];
  const sock = new AttachSocket((_stream, d) => {
    if (!e.AttachStdout && !e.AttachStderr) return;
    if (conn) conn.write(d);
    else early.push(Buffer.from(d));
  });
  await sock.connectTo(session.attachPath).catch(() => undefined);
  let pid: number;
  try {
    pid = await session.run();
  } catch (err) {
    sock.destroy();
    cleanup();
    // docker: the exec ran and failed to start (126); the client reads the message in its stream
    save(r.engine, { ...e, Started: true, Running: false, ExitCode: 126 });
    if (detach) throw err;
    const failed = hijack(r, false);
    failed.write(`OCI runtime exec failed: ${(err as Error).message}: unknown\r\n`);
    failed.end();
    return;
  }
  r.engine.events.emit('container', `exec_start: ${e.Cmd.join(' ')}`, c.id, { name: c.name });
  save(r.engine, { ...e, Started: true, Running: true, Pid: pid });
  const finished = session.exit.then((code) => {
    save(r.engine, { ...load(r.engine, e.ID), Running: false, ExitCode: code });
    cleanup();
  });
  if (detach) {
    sock.destroy();
    res(r).writeHead(200, { 'Content-Type': 'application/json' }).end();
    return;
  }
  conn = hijack(r, false);
  for (const d of early.splice(0)) conn.write(d);
  if (e.AttachStdin) {
    const keys = new DetachKeys(parseDetachKeys(e.DetachKeys || undefined));
    conn.input.on('data', (d: Buffer) => {
      // Detaching leaves the process running (docker's detach keys); its exit is still recorded.
      if (keys.feed(d)) return conn!.end();
      sock.write(d);
    });
    conn.input.resume();
  }
  // The exit code is on disk before the stream ends: docker's CLI inspects the exec right after.
  // conmon closes the socket after the last output: both, so no output is cut off.
  await Promise.race([Promise.all([finished, sock.closed]), conn.closed]);
  sock.destroy();
  conn.end();
}

async function resize(r: ApiRequest): Promise<void> {
  const e = load(r.engine, r.params.id);
  const h = int(r.query, 'h');
  const w = int(r.query, 'w');
  if (!e.Running) throw conflict(`exec ${e.ID} is not running`);
  // A terminal session takes "1 rows cols" on its ctl FIFO; without a terminal there is nothing to size.
  if (e.Tty && h && w) resizeExecSession(sessionDir(r.engine, e.ID), h, w);
  res(r).writeHead(200).end();
}

/** A session conmon recorded as ended while no service watched it (the service was restarted). */
function settled(engine: EngineContext, e: ExecRecord): ExecRecord {
  if (!e.Running || !e.Tty) return e;
  const dir = sessionDir(engine, e.ID);
  try {
    const code = Number(readFileSync(join(dir, e.ContainerID), 'utf8').trim());
    const done = { ...e, Running: false, ExitCode: code };
    save(engine, done);
    removeSession(engine, e);
    return done;
  } catch {
    if (existsSync(dir)) return e;
    // no session directory and no exit file: conmon is gone without a word
    return { ...e, Running: false };
  }
}

function inspect(r: ApiRequest): void {
  const e = settled(r.engine, load(r.engine, r.params.id));
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
