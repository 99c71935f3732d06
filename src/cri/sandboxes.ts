// RuntimeService's sandbox calls as translations to PodService (src/engine/pods.ts): a CRI
// pod sandbox is a berth pod, its id the pod's id; the infra container holds the network,
// IPC and UTS namespaces the sandbox's containers join.
import { mkdirSync } from 'node:fs';
import type { EngineContext } from '../engine/context.js';
import { PodService, type PodRow } from '../engine/pods.js';
import { ContainerService } from '../engine/containers.js';
import { runtimeFor } from '../runtime/oci.js';
import { invalid, notFound } from '../errors.js';
import type { HostConfig } from '../containers/model.js';
import { berthName, criAnnotations, criLabels, json, L, nanos, selected } from './labels.js';
import type { NamespaceOption, PodSandboxConfig, PodSandboxFilter, PodSandboxMetadata, PodSandboxState, Req } from './proto.js';

export function isSandbox(p: PodRow): boolean {
  return p.config.Labels?.[L.kind] === 'sandbox';
}

/** A sandbox by id (or a unique id prefix, as crictl allows). */
export function findSandbox(ctx: EngineContext, id: string): PodRow | undefined {
  if (!id) return undefined;
  const all = new PodService(ctx).all().filter(isSandbox);
  const exact = all.find((p) => p.id === id);
  if (exact) return exact;
  const prefixed = all.filter((p) => p.id.startsWith(id));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

export function sandbox(ctx: EngineContext, id: string): PodRow {
  const p = findSandbox(ctx, id);
  if (!p) throw notFound(`pod sandbox ${id} not found`);
  return p;
}

export function sandboxNamespaces(p: PodRow): Partial<NamespaceOption> {
  return json<Partial<NamespaceOption>>(p.config.Labels, L.namespaces, {});
}

export async function runPodSandbox(ctx: EngineContext, req: Req): Promise<{ pod_sandbox_id: string }> {
  const cfg = req.config as PodSandboxConfig | null;
  const m = cfg?.metadata;
  if (!cfg || !m?.name) throw invalid('PodSandboxConfig.metadata.name is required');
  const handler = String(req.runtime_handler ?? '');
  if (handler) runtimeFor(ctx.config, handler); // an unknown handler is refused before anything is made
  const ns = cfg.linux?.security_context?.namespace_options ?? null;
  const hostNet = ns?.network === 'NODE';
  const ports: HostConfig['PortBindings'] = {};
  if (!hostNet) {
    for (const pm of cfg.port_mappings ?? []) {
      if (!pm.host_port) continue; // a container port without a host port publishes nothing
      (ports[`${pm.container_port}/${(pm.protocol || 'TCP').toLowerCase()}`] ??= []).push({ HostIp: pm.host_ip ?? '', HostPort: String(pm.host_port) });
    }
  }
  const meta: PodSandboxMetadata = { name: m.name, uid: m.uid, namespace: m.namespace, attempt: m.attempt };
  const labels: Record<string, string> = {
    ...cfg.labels,
    [L.kind]: 'sandbox',
    [L.metadata]: JSON.stringify(meta),
    [L.labels]: JSON.stringify(cfg.labels ?? {}),
    [L.annotations]: JSON.stringify(cfg.annotations ?? {}),
    ...(cfg.log_directory ? { [L.logDirectory]: cfg.log_directory } : {}),
    ...(handler ? { [L.runtimeHandler]: handler } : {}),
    ...(cfg.dns_config ? { [L.dns]: JSON.stringify(cfg.dns_config) } : {}),
    ...(ns ? { [L.namespaces]: JSON.stringify({ network: ns.network, pid: ns.pid, ipc: ns.ipc }) } : {}),
  };
  if (cfg.log_directory) mkdirSync(cfg.log_directory, { recursive: true, mode: 0o755 });
  const pods = new PodService(ctx);
  const pod = await pods.create({
    name: berthName(['POD', m.name, m.namespace, m.uid, m.attempt]),
    hostname: cfg.hostname || m.name,
    labels,
    ports,
    ...(hostNet ? { network: 'host' } : {}),
    // IPC on the node: members get --ipc host instead of the infra container's.
    share: ns?.ipc === 'NODE' ? ['net', 'uts'] : ['net', 'ipc', 'uts'],
  });
  try {
    await pods.start(pod.id);
  } catch (e) {
    await pods.remove(pod.id, { force: true }).catch(() => undefined);
    throw e;
  }
  return { pod_sandbox_id: pod.id };
}

export async function stopPodSandbox(ctx: EngineContext, req: Req): Promise<object> {
  const p = findSandbox(ctx, String(req.pod_sandbox_id ?? ''));
  // kubelet has stopped the containers it cared about, with their grace periods: what still runs is killed.
  if (p) await new PodService(ctx).stop(p.id, 0);
  return {}; // stopping a sandbox that is gone is not an error (CRI: idempotent)
}

export async function removePodSandbox(ctx: EngineContext, req: Req): Promise<object> {
  const p = findSandbox(ctx, String(req.pod_sandbox_id ?? ''));
  if (p) await new PodService(ctx).remove(p.id, { force: true });
  return {};
}

async function stateOf(ctx: EngineContext, p: PodRow): Promise<{ state: PodSandboxState; ip: string }> {
  if (!p.infra_id) return { state: 'SANDBOX_NOTREADY', ip: '' };
  const infra = await new ContainerService(ctx).get(p.infra_id).catch(() => undefined);
  const running = Boolean(infra?.state.Running);
  const ip = running ? (Object.values(infra?.state.Networks ?? {})[0]?.IPAddress ?? '') : '';
  return { state: running ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY', ip };
}

function metadataOf(p: PodRow): PodSandboxMetadata {
  return json<PodSandboxMetadata>(p.config.Labels, L.metadata, { name: p.name, uid: '', namespace: '', attempt: 0 });
}

export async function podSandboxStatus(ctx: EngineContext, req: Req): Promise<object> {
  const p = sandbox(ctx, String(req.pod_sandbox_id ?? ''));
  const { state, ip } = await stateOf(ctx, p);
  const ns = sandboxNamespaces(p);
  return {
    status: {
      id: p.id,
      metadata: metadataOf(p),
      state,
      created_at: nanos(p.created),
      network: { ip, additional_ips: [] },
      linux: { namespaces: { options: { network: ns.network === 'NODE' ? 'NODE' : 'POD', pid: ns.pid === 'NODE' ? 'NODE' : ns.pid === 'POD' ? 'POD' : 'CONTAINER', ipc: ns.ipc === 'NODE' ? 'NODE' : 'POD' } } },
      labels: criLabels(p.config.Labels),
      annotations: criAnnotations(p.config.Labels),
      runtime_handler: p.config.Labels[L.runtimeHandler] ?? '',
    },
    info: req.verbose ? { info: JSON.stringify({ name: p.name, infraContainer: p.infra_id, hostname: p.config.Hostname, portBindings: p.config.PortBindings, networkMode: p.config.NetworkMode, logDirectory: p.config.Labels[L.logDirectory] ?? '' }) } : {},
  };
}

export async function listPodSandbox(ctx: EngineContext, req: Req): Promise<object> {
  const f = (req.filter ?? null) as PodSandboxFilter | null;
  const items = [];
  for (const p of new PodService(ctx).all().filter(isSandbox)) {
    if (f?.id && !p.id.startsWith(f.id)) continue;
    const labels = criLabels(p.config.Labels);
    if (!selected(labels, f?.label_selector)) continue;
    const { state } = await stateOf(ctx, p);
    if (f?.state && f.state.state !== state) continue;
    items.push({ id: p.id, metadata: metadataOf(p), state, created_at: nanos(p.created), labels, annotations: criAnnotations(p.config.Labels), runtime_handler: p.config.Labels[L.runtimeHandler] ?? '' });
  }
  return { items };
}
