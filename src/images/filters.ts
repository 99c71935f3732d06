// `--filter key=value` for image lists, parsed and checked once for the CLI and the API.
import { invalid } from '../errors.js';

export type Filters = Map<string, string[]>;

export function parseFilters(args: string[], allowed: readonly string[]): Filters {
  const f: Filters = new Map();
  for (const a of args) {
    const i = a.indexOf('=');
    if (i <= 0) throw invalid(`bad format of filter (expected name=value): ${a}`);
    const key = a.slice(0, i).trim().toLowerCase();
    if (!allowed.includes(key)) throw invalid(`invalid filter '${key}'`);
    (f.get(key) ?? f.set(key, []).get(key)!).push(a.slice(i + 1));
  }
  return f;
}

/** Go's path.Match glob (`*`, `?`, `[...]`), anchored, `*` not crossing `/`. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) throw invalid(`invalid reference filter pattern "${glob}"`);
      let cls = glob.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '!' + cls.slice(1);
      re += '[' + (cls.startsWith('!') ? '^' + cls.slice(1) : cls).replace(/\\/g, '\\\\') + ']';
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function labelMatches(labels: Record<string, string> | undefined, spec: string): boolean {
  const i = spec.indexOf('=');
  if (i === -1) return labels !== undefined && spec in labels;
  return labels?.[spec.slice(0, i)] === spec.slice(i + 1);
}

export function parseBool(key: string, v: string): boolean {
  if (/^(true|1)$/i.test(v)) return true;
  if (/^(false|0)$/i.test(v)) return false;
  throw invalid(`invalid filter '${key}=${v}': expected true or false`);
}

/** docker's `until`/`since` timestamps: RFC 3339, Unix seconds, or a duration before now (10m, 2h). */
export function parseTimestamp(v: string, now = Date.now()): number {
  const dur = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(v);
  if (dur) {
    const mult = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[dur[2] as 's'];
    return now - Number(dur[1]) * mult;
  }
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalid(`invalid timestamp "${v}"`);
  return t;
}
