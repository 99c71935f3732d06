// Devices for a container: host device nodes (`--device /dev/x[:/dev/y[:rwm]]`) and CDI
// devices (`--device vendor.com/class=name`, resolved from the CDI spec directories,
// /etc/cdi and /var/run/cdi by default; JSON or YAML specs). Both become OCI spec edits.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { invalid, notFound } from '../errors.js';

export interface DeviceEdit {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
  access: string;
}

export interface ContainerEdits {
  devices: DeviceEdit[];
  env: string[];
  mounts: Array<{ destination: string; source: string; type?: string; options?: string[] }>;
}

const CDI_NAME = /^([a-z0-9.-]+\/[a-zA-Z0-9._-]+)=([a-zA-Z0-9_.:-]+)$/;

export function isCdiName(s: string): boolean {
  return CDI_NAME.test(s);
}

function hostNode(hostPath: string, path: string, access: string): DeviceEdit {
  let st;
  try {
    st = statSync(hostPath);
  } catch {
    throw notFound(`error gathering device information while adding custom device "${hostPath}": no such file or directory`);
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw invalid(`${hostPath} is not a device node`);
  const rdev = st.rdev;
  return {
    path,
    type: st.isCharacterDevice() ? 'c' : 'b',
    major: Number((BigInt(rdev) >> 8n) & 0xfffn),
    minor: Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & 0xfff00n)),
    fileMode: st.mode & 0o777,
    uid: st.uid,
    gid: st.gid,
    access,
  };
}

/** `/dev/x[:/dev/y][:rwm]` */
export function hostDevice(spec: string): DeviceEdit {
  const parts = spec.split(':');
  const host = parts[0];
  let path = host;
  let access = 'rwm';
  if (parts.length === 2) {
    if (/^[rwm]+$/.test(parts[1])) access = parts[1];
    else path = parts[1];
  } else if (parts.length === 3) {
    path = parts[1];
    access = parts[2];
  }
  if (!/^[rwm]+$/.test(access)) throw invalid(`invalid device mode "${access}" in "${spec}"`);
  return hostNode(host, path, access);
}

interface CdiSpec {
  kind: string;
  devices: Array<{ name: string; containerEdits?: RawEdits }>;
  containerEdits?: RawEdits;
}
interface RawEdits {
  env?: string[];
  deviceNodes?: Array<{ path: string; hostPath?: string; type?: 'c' | 'b'; major?: number; minor?: number; fileMode?: number; permissions?: string; uid?: number; gid?: number }>;
  mounts?: Array<{ hostPath: string; containerPath: string; type?: string; options?: string[] }>;
}

async function loadSpecs(dirs: string[]): Promise<CdiSpec[]> {
  const out: CdiSpec[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      if (!/\.(json|ya?ml)$/.test(n)) continue;
      const text = readFileSync(join(dir, n), 'utf8');
      try {
        out.push((n.endsWith('.json') ? JSON.parse(text) : (await import('yaml')).parse(text)) as CdiSpec);
      } catch (e) {
        throw invalid(`CDI spec ${join(dir, n)}: ${(e as Error).message}`);
      }
    }
  }
  return out;
}

function applyRaw(out: ContainerEdits, e: RawEdits | undefined): void {
  if (!e) return;
  out.env.push(...(e.env ?? []));
  for (const d of e.deviceNodes ?? []) {
    const host = d.hostPath ?? d.path;
    const node = d.major !== undefined && d.type ? { path: d.path, type: d.type, major: d.major, minor: d.minor ?? 0, fileMode: d.fileMode, uid: d.uid, gid: d.gid, access: d.permissions ?? 'rwm' } : hostNode(host, d.path, d.permissions ?? 'rwm');
    out.devices.push(node);
  }
  for (const m of e.mounts ?? []) out.mounts.push({ destination: m.containerPath, source: m.hostPath, type: m.type ?? 'bind', options: m.options ?? ['rbind', 'rprivate'] });
}

/** Resolve fully qualified CDI names (vendor.com/class=name) into edits. */
export async function cdiEdits(names: string[], dirs: string[]): Promise<ContainerEdits> {
  const out: ContainerEdits = { devices: [], env: [], mounts: [] };
  if (!names.length) return out;
  const specs = await loadSpecs(dirs);
  for (const n of names) {
    const [, kind, dev] = CDI_NAME.exec(n)!;
    const spec = specs.find((s) => s.kind === kind && s.devices?.some((d) => d.name === dev));
    if (!spec) throw notFound(`unresolvable CDI devices ${n} (searched ${dirs.join(', ')})`);
    applyRaw(out, spec.containerEdits);
    applyRaw(out, spec.devices.find((d) => d.name === dev)!.containerEdits);
  }
  return out;
}
