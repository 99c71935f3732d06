// RuntimeService's container calls as translations to ContainerService
// (src/engine/containers.ts): a CRI container is a berth container in its sandbox's pod,
// with CRI's config turned into docker's Config/HostConfig shapes as `berth run --pod` would.
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { constants as osConstants } from 'node:os';
import type { EngineContext } from '../engine/context.js';
import { ContainerService } from '../engine/containers.js';
import { BerthError, invalid, notFound } from '../errors.js';
import type { ContainerRecord, CtrConfig, HostConfig, Mount } from '../containers/model.js';
import { childProcess } from '../util/native.js';
import { berthName, criAnnotations, criLabels, json, L, nanos, selected } from './labels.js';
import { sandbox, sandboxNamespaces } from './sandboxes.js';
import type { ContainerConfig, ContainerFilter, ContainerState, CriMount, DNSConfig, PodSandboxMetadata, Req } from './proto.js';

const svcOf = (ctx: EngineContext) => new ContainerService(ctx);

function isCri(c: ContainerRecord): boolean {
  return c.config.Labels?.[L.kind] === 'container';
}

/** A CRI container by id (or a unique id prefix). */
function findContainer(ctx: EngineContext, id: string): ContainerRecord | undefined {
  if (!id) return undefined;
  const store = svcOf(ctx).store;
  const exact = store.get(id);
  if (exact) return isCri(exact) ? exact : undefined;
  if (!/^[0-9a-f]+$/.test(id)) return undefined;
  const hits = store.all().filter((c) => isCri(c) && c.id.startsWith(id));
  return hits.length === 1 ? hits[0] : undefined;
}

function container(ctx: EngineContext, id: string): ContainerRecord {
  const c = findContainer(ctx, id);
  if (!c) throw notFound(`container ${id} not found`);
  return c;
}

const PROPAGATION: Record<CriMount['propagation'], string[]> = {
  PROPAGATION_PRIVATE: [],
  PROPAGATION_HOST_TO_CONTAINER: ['rslave'],
  PROPAGATION_BIDIRECTIONAL: ['rshared'],
};

function toMount(m: CriMount): Mount {
  if (!m.container_path || !m.host_path) throw invalid(`a mount needs container_path and host_path (got ${JSON.stringify({ container_path: m.container_path, host_path: m.host_path })})`);
  if (!existsSync(m.host_path)) throw invalid(`mount source ${m.host_path} does not exist`);
  const extra = PROPAGATION[m.propagation] ?? [];
  return { Type: 'bind', Source: m.host_path, Target: m.container_path, ReadOnly: Boolean(m.readonly), ...(extra.length ? { Options: extra } : {}) };
}

/** CRI's Signal enum name (SIGTERM ...) as berth's StopSignal; RUNTIME_DEFAULT is none. */
function stopSignal(s: string | undefined): string | undefined {
  if (!s || s === 'RUNTIME_DEFAULT') return undefined;
  return s.replace(/^SIGRTMINPLUS(\d+)$/, 'SIGRTMIN+$1').replace(/^SIGRTMAXMINUS(\d+)$/, 'SIGRTMAX-$1');
}

export async function createContainer(ctx: EngineContext, req: Req): Promise<{ container_id: string }> {
  const pod = sandbox(ctx, String(req.pod_sandbox_id ?? ''));
  const cc = req.config as ContainerConfig | null;
  if (!cc?.metadata?.name) throw invalid('ContainerConfig.metadata.name is required');
  const image = cc.image?.image;
  if (!image) throw invalid('ContainerConfig.image.image is required');
  const podMeta = json<PodSandboxMetadata>(pod.config.Labels, L.metadata, { name: pod.name, uid: '', namespace: '', attempt: 0 });
  const logDir = pod.config.Labels[L.logDirectory] ?? '';
  const logPath = cc.log_path ? (isAbsolute(cc.log_path) ? cc.log_path : logDir ? join(logDir, cc.log_path) : '') : '';
  if (cc.log_path && !logPath) throw invalid(`log_path ${cc.log_path} is relative but the sandbox has no log_directory`);
  const sec = cc.linux?.security_context ?? null;
  const res = cc.linux?.resources ?? null;
  const podNs = sandboxNamespaces(pod);
  const ns = sec?.namespace_options ?? null;
  const dns = json<DNSConfig | null>(pod.config.Labels, L.dns, null);
  const handler = pod.config.Labels[L.runtimeHandler] ?? '';

  let user = sec?.run_as_username ?? '';
  if (!user && sec?.run_as_user) user = String(sec.run_as_user.value) + (sec.run_as_group ? `:${sec.run_as_group.value}` : '');
  const securityOpt: string[] = [];
  if (sec?.no_new_privs) securityOpt.push('no-new-privileges');
  if (sec?.seccomp?.profile_type === 'Unconfined') securityOpt.push('seccomp=unconfined');
  else if (sec?.seccomp?.profile_type === 'Localhost') securityOpt.push(`seccomp=${sec.seccomp.localhost_ref}`);
  const quota = Number(res?.cpu_quota ?? 0);
  const period = Number(res?.cpu_period ?? 0) || 100_000;

  const labels: Record<string, string> = {
    ...cc.labels,
    [L.kind]: 'container',
    [L.sandbox]: pod.id,
    [L.metadata]: JSON.stringify({ name: cc.metadata.name, attempt: cc.metadata.attempt }),
    [L.labels]: JSON.stringify(cc.labels ?? {}),
    [L.annotations]: JSON.stringify(cc.annotations ?? {}),
    [L.image]: cc.image?.user_specified_image || image,
    [L.imageRef]: image,
    ...(logPath ? { [L.logPath]: logPath } : {}),
  };
  const config: Partial<CtrConfig> = {
    ...(cc.command?.length ? { Entrypoint: cc.command } : {}),
    ...(cc.args?.length ? { Cmd: cc.args } : {}),
    Env: (cc.envs ?? []).map((e) => `${e.key}=${Buffer.isBuffer(e.value) ? e.value.toString('utf8') : e.value}`),
    ...(cc.working_dir ? { WorkingDir: cc.working_dir } : {}),
    Labels: labels,
    Tty: Boolean(cc.tty),
    OpenStdin: Boolean(cc.stdin),
    StdinOnce: Boolean(cc.stdin_once),
    ...(user ? { User: user } : {}),
    ...(stopSignal(cc.stop_signal) ? { StopSignal: stopSignal(cc.stop_signal) } : {}),
  };
  const hostConfig: Partial<HostConfig> = {
    Pod: pod.id,
    Mounts: (cc.mounts ?? []).map(toMount),
    Privileged: Boolean(sec?.privileged),
    CapAdd: sec?.capabilities?.add_capabilities?.length ? sec.capabilities.add_capabilities : null,
    CapDrop: sec?.capabilities?.drop_capabilities?.length ? sec.capabilities.drop_capabilities : null,
    ReadonlyRootfs: Boolean(sec?.readonly_rootfs),
    SecurityOpt: securityOpt.length ? securityOpt : null,
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    ...(handler ? { Runtime: handler } : {}),
    Memory: Number(res?.memory_limit_in_bytes ?? 0),
    CpuShares: Number(res?.cpu_shares ?? 0),
    NanoCpus: quota > 0 ? Math.round((quota * 1e9) / period) : 0,
    CpusetCpus: res?.cpuset_cpus ?? '',
    Devices: (cc.devices ?? []).length ? cc.devices.map((d) => ({ PathOnHost: d.host_path, PathInContainer: d.container_path || d.host_path, CgroupPermissions: d.permissions || 'rwm' })) : null,
    Dns: dns?.servers ?? [],
    DnsSearch: dns?.searches ?? [],
    DnsOptions: dns?.options ?? [],
    // CRI's log is written by conmon (k8s-file is CRI's log format); kubelet rotates it, not conmon.
    LogConfig: { Type: 'k8s-file', Config: logPath ? { 'max-size': '-1' } : {} },
    ...(podNs.ipc === 'NODE' ? { IpcMode: 'host' } : {}),
    ...(ns?.pid === 'NODE' ? { PidMode: 'host' } : ns?.pid === 'POD' && pod.infra_id ? { PidMode: `container:${pod.infra_id}` } : ns?.pid === 'TARGET' && ns.target_id ? { PidMode: `container:${ns.target_id}` } : {}),
  };
  const svc = svcOf(ctx);
  const c = await svc.create({
    name: berthName([cc.metadata.name, podMeta.name, podMeta.namespace, podMeta.uid, cc.metadata.attempt]),
    image,
    config,
    hostConfig,
    pull: 'never', // kubelet pulls first (PullImage); CreateContainer never fetches
  });
  if (logPath) {
    // berth's log file (what `berth logs` reads) is a link to the file CRI asked for, so conmon
    // writes the one file both read.
    try {
      mkdirSync(dirname(logPath), { recursive: true });
      symlinkSync(logPath, svc.paths(c.id).log);
    } catch (e) {
      await svc.remove(c.id, { force: true }).catch(() => undefined);
      throw new BerthError('runtime', `cannot set up the log file ${logPath}: ${(e as Error).message}`);
    }
  }
  return { container_id: c.id };
}

export async function startContainer(ctx: EngineContext, req: Req): Promise<object> {
  await svcOf(ctx).start(container(ctx, String(req.container_id ?? '')).id);
  return {};
}

export async function stopContainer(ctx: EngineContext, req: Req): Promise<object> {
  await svcOf(ctx).stop(container(ctx, String(req.container_id ?? '')).id, Math.max(0, Number(req.timeout ?? 0)));
  return {};
}

export async function removeContainer(ctx: EngineContext, req: Req): Promise<object> {
  const c = findContainer(ctx, String(req.container_id ?? ''));
  if (c) await svcOf(ctx).remove(c.id, { force: true });
  return {}; // removing a container that is gone is not an error (CRI: idempotent)
}

function stateOf(c: ContainerRecord): ContainerState {
  const s = c.state.Status;
  if (s === 'created') return 'CONTAINER_CREATED';
  if (s === 'running' || s === 'paused' || s === 'restarting') return 'CONTAINER_RUNNING';
  if (s === 'exited' || s === 'dead') return 'CONTAINER_EXITED';
  return 'CONTAINER_UNKNOWN';
}

function imageRefOf(ctx: EngineContext, c: ContainerRecord): string {
  return ctx.images.get(c.imageId) ? c.imageId : '';
}

function summary(ctx: EngineContext, c: ContainerRecord) {
  const labels = c.config.Labels ?? {};
  return {
    id: c.id,
    pod_sandbox_id: labels[L.sandbox] ?? c.hostConfig.Pod ?? '',
    metadata: json(labels, L.metadata, { name: c.name, attempt: 0 }),
    image: { image: labels[L.image] ?? c.image, annotations: {}, user_specified_image: labels[L.image] ?? '' },
    image_ref: imageRefOf(ctx, c),
    image_id: c.imageId,
    state: stateOf(c),
    created_at: nanos(c.created),
    labels: criLabels(labels),
    annotations: criAnnotations(labels),
  };
}

export async function listContainers(ctx: EngineContext, req: Req): Promise<object> {
  const f = (req.filter ?? null) as ContainerFilter | null;
  const out = [];
  for (const c of await svcOf(ctx).list(true)) {
    if (!isCri(c)) continue;
    if (f?.id && !c.id.startsWith(f.id)) continue;
    if (f?.pod_sandbox_id && !(c.config.Labels?.[L.sandbox] ?? '').startsWith(f.pod_sandbox_id)) continue;
    if (f?.state && f.state.state !== stateOf(c)) continue;
    if (!selected(criLabels(c.config.Labels), f?.label_selector)) continue;
    out.push(summary(ctx, c));
  }
  return { containers: out };
}

function reason(c: ContainerRecord): string {
  if (stateOf(c) !== 'CONTAINER_EXITED') return '';
  if (c.state.OOMKilled) return 'OOMKilled';
  return c.state.ExitCode === 0 ? 'Completed' : 'Error';
}

export async function containerStatus(ctx: EngineContext, req: Req): Promise<object> {
  const c = await svcOf(ctx).get(container(ctx, String(req.container_id ?? '')).id);
  const s = summary(ctx, c);
  const hc = c.hostConfig;
  const propagation = (m: Mount) => (m.Options?.includes('rshared') ? 'PROPAGATION_BIDIRECTIONAL' : m.Options?.includes('rslave') ? 'PROPAGATION_HOST_TO_CONTAINER' : 'PROPAGATION_PRIVATE');
  return {
    status: {
      id: c.id,
      metadata: s.metadata,
      state: s.state,
      created_at: s.created_at,
      started_at: c.state.Status === 'created' ? '0' : nanos(c.state.StartedAt),
      finished_at: s.state === 'CONTAINER_EXITED' ? nanos(c.state.FinishedAt) : '0',
      exit_code: s.state === 'CONTAINER_EXITED' ? c.state.ExitCode : 0,
      image: s.image,
      image_ref: s.image_ref,
      image_id: s.image_id,
      reason: reason(c),
      message: c.state.Error ?? '',
      labels: s.labels,
      annotations: s.annotations,
      mounts: (hc.Mounts ?? []).filter((m) => m.Type === 'bind').map((m) => ({ container_path: m.Target, host_path: m.Source, readonly: m.ReadOnly, propagation: propagation(m) })),
      log_path: c.config.Labels?.[L.logPath] ?? '',
      resources: { linux: { cpu_shares: String(hc.CpuShares ?? 0), memory_limit_in_bytes: String(hc.Memory ?? 0), cpuset_cpus: hc.CpusetCpus ?? '', cpu_period: hc.NanoCpus ? '100000' : '0', cpu_quota: hc.NanoCpus ? String(Math.round(hc.NanoCpus / 1e4)) : '0' } },
      stop_signal: c.config.StopSignal && /^SIG[A-Z]+$/.test(c.config.StopSignal) ? c.config.StopSignal : 'RUNTIME_DEFAULT',
    },
    info: req.verbose ? { info: JSON.stringify({ name: c.name, pid: c.state.Pid, runtime: c.runtime, pod: c.hostConfig.Pod, user: c.config.User, entrypoint: c.config.Entrypoint, cmd: c.config.Cmd }) } : {},
  };
}

const EXEC_OUTPUT_MAX = 16 << 20;

/**
 * ExecSync: the command through `runtime exec` with its stdout and stderr kept apart. On a
 * timeout the exec'd process itself is killed (its pid from --pid-file: killing runc exec
 * alone would leave it running in the container) and the call fails with DEADLINE_EXCEEDED.
 */
export async function execSync(ctx: EngineContext, req: Req): Promise<{ stdout: Buffer; stderr: Buffer; exit_code: number }> {
  const svc = svcOf(ctx);
  const c = await svc.get(container(ctx, String(req.container_id ?? '')).id);
  const cmd = (req.cmd as string[] | undefined) ?? [];
  if (!cmd.length) throw invalid('ExecSync needs a command');
  if (!c.state.Running) throw new BerthError('conflict', `container ${c.id} is not running`);
  const timeoutMs = Number(req.timeout ?? 0) * 1000;
  const file = svc.execProcess(c, { cmd });
  const pidFile = file.replace(/\.json$/, '.pid');
  const rt = svc.runtime(c);
  ctx.events.emit('container', `exec_start: ${cmd.join(' ')}`, c.id, { name: c.name });
  try {
    return await new Promise((resolve, reject) => {
      const child = childProcess().spawn(rt.path, [...rt.globalArgs, 'exec', '--process', file, '--pid-file', pidFile, c.id], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outLen = 0;
      let errLen = 0;
      child.stdout!.on('data', (d: Buffer) => {
        if (outLen < EXEC_OUTPUT_MAX) out.push(d);
        outLen += d.length;
      });
      child.stderr!.on('data', (d: Buffer) => {
        if (errLen < EXEC_OUTPUT_MAX) err.push(d);
        errLen += d.length;
      });
      let timedOut = false;
      const timer = timeoutMs > 0 ? setTimeout(() => {
        timedOut = true;
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
        } catch {
          /* not started yet, or already gone */
        }
        child.kill('SIGKILL');
      }, timeoutMs) : undefined;
      child.on('error', (e) => {
        if (timer) clearTimeout(timer);
        reject(new BerthError('runtime', `exec in ${c.id}: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (timedOut) return reject(new BerthError('unavailable', `command ${JSON.stringify(cmd)} timed out after ${timeoutMs / 1000}s`));
        const exit = code ?? (signal ? 128 + ((osConstants.signals as Record<string, number>)[signal] ?? 0) : 255);
        resolve({ stdout: Buffer.concat(out).subarray(0, EXEC_OUTPUT_MAX), stderr: Buffer.concat(err).subarray(0, EXEC_OUTPUT_MAX), exit_code: exit });
      });
    });
  } finally {
    rmSync(file, { force: true });
    rmSync(pidFile, { force: true });
  }
}

/** The timeout error of execSync, so the server can give it DEADLINE_EXCEEDED. */
export function isTimeout(e: unknown): boolean {
  return e instanceof BerthError && e.kind === 'unavailable' && / timed out after /.test(e.message);
}
