// systemd unit files as text: parse them (sections, repeated keys, comments, continuation
// lines), write them, and quote or split the command lines of Exec*= keys the way systemd
// reads them (systemd.service(5) "Command lines", systemd.unit(5) "Specifiers").

export interface UnitEntry {
  key: string;
  value: string;
}

export interface UnitSection {
  name: string;
  entries: UnitEntry[];
}

/** A unit file: its sections in order, each with its keys in order (keys may repeat). */
export class UnitFile {
  readonly sections: UnitSection[] = [];
  /** comment lines before the first section (a header) */
  header: string[] = [];

  section(name: string, create = true): UnitSection | undefined {
    let s = this.sections.find((x) => x.name === name);
    if (!s && create) {
      s = { name, entries: [] };
      this.sections.push(s);
    }
    return s;
  }

  add(section: string, key: string, value: string): this {
    this.section(section)!.entries.push({ key, value });
    return this;
  }

  /** Every value of a key, in order (an empty value resets the list, as systemd reads list keys). */
  all(section: string, key: string): string[] {
    const out: string[] = [];
    for (const e of this.section(section, false)?.entries ?? []) {
      if (e.key !== key) continue;
      if (e.value === '') out.length = 0;
      else out.push(e.value);
    }
    return out;
  }

  /** The last value of a key. */
  get(section: string, key: string): string | undefined {
    const entries = this.section(section, false)?.entries ?? [];
    for (let i = entries.length - 1; i >= 0; i--) if (entries[i].key === key) return entries[i].value;
    return undefined;
  }

  has(section: string): boolean {
    return this.section(section, false) !== undefined;
  }

  toString(): string {
    const parts: string[] = [];
    if (this.header.length) parts.push(this.header.join('\n') + '\n');
    for (const s of this.sections) parts.push(`[${s.name}]\n${s.entries.map((e) => `${e.key}=${e.value}\n`).join('')}`);
    return parts.join('\n');
  }
}

/** Parse a unit file. Throws with the line number on a line that is neither a key, a section nor a comment. */
export function parseUnit(text: string, source = 'unit'): UnitFile {
  const unit = new UnitFile();
  const lines = text.split(/\r?\n/);
  let current: UnitSection | undefined;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) {
      if (!current) unit.header.push(trimmed);
      continue;
    }
    if (trimmed.startsWith('[')) {
      const m = /^\[([^\]]+)\]$/.exec(trimmed);
      if (!m) throw new Error(`${source}:${i + 1}: invalid section header "${trimmed}"`);
      current = unit.section(m[1])!;
      continue;
    }
    // A trailing backslash continues the value on the next line (comment lines in between are skipped).
    const lineNo = i + 1;
    while (/\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + ' ';
      i++;
      while (i < lines.length && /^\s*[#;]/.test(lines[i])) i++;
      if (i < lines.length) line += lines[i].trimStart();
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${source}:${lineNo}: expected KEY=VALUE, got "${trimmed}"`);
    if (!current) throw new Error(`${source}:${lineNo}: "${trimmed}" is outside any [Section]`);
    current.entries.push({ key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() });
  }
  return unit;
}

// ------------------------------------------------------------------------- command lines

/** One argument for an Exec*= line: `%` and `$` doubled (no specifier or variable expansion), quoted when needed. */
export function quoteExecArg(arg: string): string {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (escaped !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped) && escaped !== ';') return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/** A word that goes into an Exec*= line as written (systemd expands its `%` and `$`). */
export interface RawWord {
  raw: string;
}

/**
 * A command line for an Exec*= key, broken before each flag as podman writes them (a prefix
 * such as "-" goes first). Strings are taken literally; RawWords keep their `%` and `$`.
 */
export function execLine(argv: Array<string | RawWord>, opts: { prefix?: string; wrap?: boolean } = {}): string {
  const words = argv.map((a) => (typeof a === 'string' ? quoteExecArg(a) : quoteWord(a.raw)));
  const text = argv.map((a) => (typeof a === 'string' ? a : a.raw));
  if (opts.prefix) words[0] = opts.prefix + words[0];
  if (!opts.wrap) return words.join(' ');
  let out = words[0];
  for (let i = 1; i < words.length; i++) out += text[i].startsWith('-') && text[i].length > 1 ? ` \\\n\t${words[i]}` : ` ${words[i]}`;
  return out;
}

/** A value for Environment=: one assignment, quoted when it has spaces or quotes. */
export function quoteEnvironment(assignment: string): string {
  const escaped = assignment.replace(/%/g, '%%');
  if (/^[^\s"'\\]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A word for an Exec*= line kept as written: `%` specifiers and `$` variables stay for systemd to expand. */
export function quoteWord(word: string): string {
  if (word !== '' && !/[\s"'\\]/.test(word) && word !== ';') return word;
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/**
 * Words of a value as systemd splits them (whitespace, quotes, backslash escapes), with `%`
 * and `$` left as they are: for values that go on into an Exec*= line (quadlet's Exec=,
 * Environment=, PodmanArgs=), where systemd expands them when it runs the command.
 */
export function splitWords(value: string): string[] {
  return splitQuoted(value.trim(), value);
}

/** One expansion at s[j] (a specifier, ${VAR}): its text and where the rest starts, or none. */
type Expand = (s: string, j: number) => { text: string; next: number } | undefined;
/** A whole unquoted word at s[i] that becomes several words ($VAR): them and the rest's start, or none. */
type WholeWord = (s: string, i: number) => { words: string[]; next: number } | undefined;

/** systemd's word splitting: whitespace separates, quotes group, C escapes; expansions as given. */
function splitQuoted(s: string, value: string, expand?: Expand, wholeWord?: WholeWord): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i])) i++;
    if (i >= s.length) break;
    const whole = wholeWord?.(s, i);
    if (whole) {
      out.push(...whole.words);
      i = whole.next;
      continue;
    }
    let word = '';
    let quoted = false;
    const plain = (j: number): number => {
      const x = expand?.(s, j);
      if (x) {
        word += x.text;
        return x.next;
      }
      word += s[j];
      return j + 1;
    };
    while (i < s.length && !/\s/.test(s[i])) {
      const ch = s[i];
      if (ch === '"' || ch === "'") {
        quoted = true;
        i++;
        while (i < s.length && s[i] !== ch) {
          if (s[i] === '\\' && i + 1 < s.length) {
            word += unescapeC(s[i + 1]);
            i += 2;
          } else i = plain(i);
        }
        if (i >= s.length) throw new Error(`unterminated quote in "${value}"`);
        i++;
      } else if (ch === '\\' && i + 1 < s.length) {
        word += unescapeC(s[i + 1]);
        i += 2;
      } else i = plain(i);
    }
    if (word !== '' || quoted) out.push(word);
  }
  return out;
}

export interface ParsedExec {
  /** the special prefixes systemd reads before the path: - @ : + ! */
  prefixes: string;
  argv: string[];
}

/**
 * Split an Exec*= value into arguments as systemd does: whitespace separates, double and
 * single quotes group, C escapes inside quotes (and outside), specifiers (`%n`, `%t`, ...)
 * replaced from `specifiers` (`%%` is `%`), `$VAR`/`${VAR}` from `env` unless the `:` prefix
 * is given (`$$` is `$`; `$VAR` alone as a word splits on whitespace).
 */
export function splitExecLine(value: string, specifiers: Record<string, string> = {}, env: Record<string, string | undefined> = {}): ParsedExec {
  const s = value.trim();
  let i = 0;
  let prefixes = '';
  while (i < s.length && '-@:+!'.includes(s[i])) prefixes += s[i++];
  const noEnv = prefixes.includes(':');
  const expand: Expand = (t, j) => {
    if (t[j] === '%' && j + 1 < t.length) {
      const k = t[j + 1];
      if (k === '%') return { text: '%', next: j + 2 };
      if (k in specifiers) return { text: specifiers[k], next: j + 2 };
      throw new Error(`unknown specifier %${k} in "${value}"`);
    }
    if (t[j] === '$' && !noEnv) {
      if (t[j + 1] === '$') return { text: '$', next: j + 2 };
      const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(t.slice(j));
      if (m) return { text: env[m[1]] ?? '', next: j + m[0].length };
    }
    return undefined;
  };
  // `$VAR` as a whole unquoted word expands to several words.
  const wholeWord: WholeWord = (t, j) => {
    const m = noEnv ? null : /^\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/.exec(t.slice(j));
    if (!m) return undefined;
    const v = env[m[1]];
    return { words: v === undefined ? [] : v.split(/\s+/).filter(Boolean), next: j + m[0].length };
  };
  return { prefixes, argv: splitQuoted(s.slice(i), value, expand, wholeWord) };
}

function unescapeC(c: string): string {
  return ({ n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'", s: ' ' } as Record<string, string>)[c] ?? c;
}
