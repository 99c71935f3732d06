// `--change` instructions (import, commit): the Dockerfile instructions that only alter the
// image config: CMD ENTRYPOINT ENV EXPOSE LABEL ONBUILD STOPSIGNAL USER VOLUME WORKDIR.
import { invalid } from '../errors.js';
import type { ContainerConfig } from './manifest.js';

/** JSON array form (exec form), or a shell-form string wrapped in /bin/sh -c. */
function commandForm(rest: string): string[] {
  const t = rest.trim();
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
    } catch {
      /* falls through to shell form, as docker does */
    }
  }
  return ['/bin/sh', '-c', t];
}

/** KEY=VALUE pairs (quotes allowed), or the legacy `KEY VALUE` form. */
export function keyValues(rest: string, what: string): Array<[string, string]> {
  const t = rest.trim();
  const out: Array<[string, string]> = [];
  if (!/^[^\s=]+=/.test(t)) {
    const m = /^(\S+)\s+(.*)$/s.exec(t);
    if (!m) throw invalid(`${what} requires at least one argument`);
    return [[m[1], m[2]]];
  }
  const re = /([^\s=]+)=("((?:[^"\\]|\\.)*)"|'([^']*)'|(\S*))/g;
  let m: RegExpExecArray | null;
  let consumed = '';
  while ((m = re.exec(t))) {
    out.push([m[1], m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? m[5] ?? '')]);
    consumed += m[0];
  }
  if (!out.length) throw invalid(`${what}: cannot parse "${rest}"`);
  return out;
}

export function applyChange(cfg: ContainerConfig, change: string): void {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(change);
  if (!m) throw invalid(`invalid change "${change}"`);
  const instr = m[1].toUpperCase();
  const rest = m[2];
  switch (instr) {
    case 'CMD':
      cfg.Cmd = commandForm(rest);
      break;
    case 'ENTRYPOINT':
      cfg.Entrypoint = commandForm(rest);
      break;
    case 'ENV': {
      const env = cfg.Env ?? [];
      for (const [k, v] of keyValues(rest, 'ENV')) {
        const i = env.findIndex((e) => e.split('=')[0] === k);
        if (i >= 0) env[i] = `${k}=${v}`;
        else env.push(`${k}=${v}`);
      }
      cfg.Env = env;
      break;
    }
    case 'LABEL':
      cfg.Labels = { ...cfg.Labels, ...Object.fromEntries(keyValues(rest, 'LABEL')) };
      break;
    case 'EXPOSE': {
      const ports = { ...cfg.ExposedPorts };
      for (const p of rest.trim().split(/\s+/).filter(Boolean)) {
        if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw invalid(`EXPOSE: invalid port "${p}"`);
        ports[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
      }
      cfg.ExposedPorts = ports;
      break;
    }
    case 'VOLUME': {
      const t = rest.trim();
      const list = t.startsWith('[') ? (JSON.parse(t) as string[]) : t.split(/\s+/);
      cfg.Volumes = { ...cfg.Volumes, ...Object.fromEntries(list.filter(Boolean).map((v) => [v, {}])) };
      break;
    }
    case 'USER':
      cfg.User = rest.trim();
      break;
    case 'WORKDIR':
      cfg.WorkingDir = rest.trim();
      break;
    case 'STOPSIGNAL':
      cfg.StopSignal = rest.trim();
      break;
    case 'ONBUILD':
      cfg.OnBuild = [...(cfg.OnBuild ?? []), rest.trim()];
      break;
    default:
      throw invalid(`${instr} is not a valid change command (use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR)`);
  }
}
