// Command-line parsing as docker's (pflag) does it: --long, --long=value, -s, -abc,
// -fvalue, repeated flags collect, `--` ends the flags. Flag errors exit 125 like docker.
import { BerthError } from '../errors.js';

export type FlagType = 'bool' | 'string' | 'strings' | 'int';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  help: string;
  default?: string | boolean | number;
  /** name of the value in help, e.g. "string", "filter" */
  value?: string;
  hidden?: boolean;
}

export type FlagValues = Record<string, string | boolean | number | string[] | undefined>;

export class UsageError extends BerthError {
  constructor(message: string, readonly command: string) {
    super('invalid-argument', message);
  }
}

export interface Parsed {
  flags: FlagValues;
  args: string[];
}

/** Parse argv against the flag specs. With `interspersed` false, the first positional ends the flags. */
export function parseArgs(argv: string[], specs: FlagSpec[], command: string, interspersed = true): Parsed {
  const flags: FlagValues = {};
  const args: string[] = [];
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  for (const s of specs) {
    if (s.type === 'strings') flags[s.name] = [];
    else if (s.default !== undefined) flags[s.name] = s.default;
    else if (s.type === 'bool') flags[s.name] = false;
  }
  const set = (spec: FlagSpec, value: string | undefined, shown: string): void => {
    if (spec.type === 'bool') {
      if (value === undefined || value === 'true' || value === '1') flags[spec.name] = true;
      else if (value === 'false' || value === '0') flags[spec.name] = false;
      else throw new UsageError(`invalid argument "${value}" for "${shown}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`, command);
      return;
    }
    if (value === undefined) throw new UsageError(`flag needs an argument: ${shown}`, command);
    if (spec.type === 'int') {
      if (!/^-?\d+$/.test(value)) throw new UsageError(`invalid argument "${value}" for "${shown}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`, command);
      flags[spec.name] = Number(value);
    } else if (spec.type === 'strings') (flags[spec.name] as string[]).push(value);
    else flags[spec.name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`, command);
      let value = eq === -1 ? undefined : a.slice(eq + 1);
      if (value === undefined && spec.type !== 'bool') {
        if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${name}`, command);
        value = argv[++i];
      }
      set(spec, value, `--${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1 && a !== '-') {
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        const spec = byShort.get(c);
        if (!spec) throw new UsageError(`unknown shorthand flag: '${c}' in ${a}`, command);
        if (spec.type === 'bool') {
          if (a[j + 1] === '=') {
            set(spec, a.slice(j + 2), `-${c}, --${spec.name}`);
            break;
          }
          set(spec, undefined, `-${c}, --${spec.name}`);
          continue;
        }
        let value = a.slice(j + 1);
        if (value.startsWith('=')) value = value.slice(1);
        if (!value) {
          if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: '${c}' in ${a}`, command);
          value = argv[++i];
        }
        set(spec, value, `-${c}, --${spec.name}`);
        break;
      }
      continue;
    }
    args.push(a);
    if (!interspersed) {
      args.push(...argv.slice(i + 1));
      break;
    }
  }
  return { flags, args };
}

export function helpText(usage: string, summary: string, specs: FlagSpec[], aliases: string[] = []): string {
  const lines = [`\nUsage:  ${usage}\n`, summary];
  if (aliases.length) lines.push(`\nAliases:\n  ${aliases.join(', ')}`);
  const visible = specs.filter((s) => !s.hidden);
  if (visible.length) {
    lines.push('\nOptions:');
    const cols = visible.map((s) => {
      const left = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.type === 'bool' ? '' : ` ${s.value ?? (s.type === 'strings' ? 'list' : s.type)}`}`;
      return [left, s.help] as const;
    });
    const w = Math.max(...cols.map((c) => c[0].length));
    for (const [l, h] of cols) lines.push(`  ${l.padEnd(w)}   ${h}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * `--label k=v`, `--opt k=v` lists as a map. Labels may be bare keys (empty value); other
 * key=value flags need the `=`.
 */
export function keyValueFlags(list: string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (what === 'label' && i < 0) out[kv] = '';
    else if (i <= 0) throw new BerthError('invalid-argument', `invalid ${what} "${kv}": expected key=value`);
    else out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}
