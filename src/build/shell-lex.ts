// Variable substitution in Dockerfile words, as docker's shell lexer does it: $VAR and ${VAR},
// the ${VAR:-word} ${VAR-word} ${VAR:+word} ${VAR+word} ${VAR:?msg} ${VAR?msg} forms, the
// pattern forms ${VAR#p} ${VAR##p} ${VAR%p} ${VAR%%p} ${VAR/p/r} ${VAR//p/r}, single quotes
// (literal), double quotes (expansion, escapes for " $ and the escape character), and the
// escape character (\ or `) outside quotes. Quotes are removed from the result.

export class SubstitutionError extends Error {}

export type Vars = ReadonlyMap<string, string>;

interface Options {
  escape: string;
  /** names looked up, whether set or not (to tell which build args a Dockerfile consumed) */
  used?: Set<string>;
}

class Lexer {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly vars: Vars,
    private readonly opts: Options,
  ) {}

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  /** Words split on unquoted whitespace; an unquoted expansion splits too. */
  words(): string[] {
    const out: string[] = [];
    let cur = '';
    let inWord = false;
    const flush = () => {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    };
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (/\s/.test(ch)) {
        this.pos++;
        flush();
        continue;
      }
      if (ch === '$') {
        const v = this.dollar();
        const parts = v.split(/\s+/);
        for (let i = 0; i < parts.length; i++) {
          if (i > 0) flush();
          if (parts[i]) {
            cur += parts[i];
            inWord = true;
          }
        }
        continue;
      }
      cur += this.one();
      inWord = true;
    }
    flush();
    return out;
  }

  /** Here-document text: only $ expansions, and \\ before $ ` or \\ ; quotes are plain text. */
  heredoc(): string {
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (ch === '$') out += this.dollar();
      else if (ch === '\\' && '$`\\'.includes(this.src[this.pos + 1] ?? 'x')) {
        out += this.src[this.pos + 1];
        this.pos += 2;
      } else {
        out += ch;
        this.pos++;
      }
    }
    return out;
  }

  /** One word up to the end or to `stop` (unquoted), quotes removed. */
  word(stop?: string): string {
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (stop && stop.includes(ch)) break;
      out += ch === '$' ? this.dollar() : this.one();
    }
    return out;
  }

  /** One unit that is not a bare `$`: an escaped char, a quoted string, or a plain char. */
  private one(): string {
    const ch = this.src[this.pos++];
    if (ch === this.opts.escape) {
      if (this.pos >= this.src.length) return ch;
      return this.src[this.pos++];
    }
    if (ch === "'") {
      const end = this.src.indexOf("'", this.pos);
      if (end < 0) throw new SubstitutionError('unexpected end of statement while looking for matching single-quote');
      const s = this.src.slice(this.pos, end);
      this.pos = end + 1;
      return s;
    }
    if (ch === '"') return this.doubleQuoted();
    return ch;
  }

  private doubleQuoted(): string {
    let out = '';
    for (;;) {
      if (this.pos >= this.src.length) throw new SubstitutionError('unexpected end of statement while looking for matching double-quote');
      const ch = this.src[this.pos];
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      if (ch === this.opts.escape) {
        const next = this.src[this.pos + 1];
        if (next === '"' || next === '$' || next === this.opts.escape) {
          out += next;
          this.pos += 2;
          continue;
        }
      }
      out += ch;
      this.pos++;
    }
  }

  private lookup(name: string): string | undefined {
    this.opts.used?.add(name);
    return this.vars.get(name);
  }

  private dollar(): string {
    this.pos++; // $
    const ch = this.peek();
    if (ch === '{') {
      this.pos++;
      const name = this.name();
      if (!name) throw new SubstitutionError(`bad substitution: missing variable name in "${this.src}"`);
      const value = this.lookup(name);
      const c = this.src[this.pos++];
      if (c === '}') return value ?? '';
      if (c === undefined) throw new SubstitutionError(`missing '}' in "${this.src}"`);
      let op = c;
      if (c === ':') {
        op += this.src[this.pos++] ?? '';
      } else if ((c === '#' || c === '%' || c === '/') && this.peek() === c) {
        op += c;
        this.pos++;
      }
      const word = this.word('}');
      if (this.src[this.pos++] !== '}') throw new SubstitutionError(`missing '}' in "${this.src}"`);
      switch (op) {
        case ':-': return value ? value : word;
        case '-': return value ?? word;
        case ':+': return value ? word : '';
        case '+': return value !== undefined ? word : '';
        case ':?': if (!value) throw new SubstitutionError(`${name}: ${word || 'parameter null or not set'}`); return value;
        case '?': if (value === undefined) throw new SubstitutionError(`${name}: ${word || 'parameter not set'}`); return value;
        case '#': return trimPrefix(value ?? '', word, false);
        case '##': return trimPrefix(value ?? '', word, true);
        case '%': return trimSuffix(value ?? '', word, false);
        case '%%': return trimSuffix(value ?? '', word, true);
        case '/':
        case '//': {
          const slash = word.indexOf('/');
          const pat = slash < 0 ? word : word.slice(0, slash);
          const rep = slash < 0 ? '' : word.slice(slash + 1);
          return replace(value ?? '', pat, rep, op === '//');
        }
        default: throw new SubstitutionError(`unsupported modifier (${op}) in substitution "${this.src}"`);
      }
    }
    const name = this.name();
    if (!name) return '$';
    return this.lookup(name) ?? '';
  }

  private name(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]/.exec(this.src.slice(this.pos));
    if (!m) return '';
    this.pos += m[0].length;
    return m[0];
  }
}

/** A shell glob (* ? [..]) as a regular expression body. */
function globBody(p: string): string {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '[') {
      const end = p.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        re += '[' + p.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return re;
}

function trimPrefix(v: string, pat: string, longest: boolean): string {
  const re = new RegExp(`^(?:${globBody(pat)})$`);
  for (let i = 0; i <= v.length; i++) {
    const n = longest ? v.length - i : i;
    if (re.test(v.slice(0, n))) return v.slice(n);
  }
  return v;
}

function trimSuffix(v: string, pat: string, longest: boolean): string {
  const re = new RegExp(`^(?:${globBody(pat)})$`);
  if (longest) {
    for (let n = 0; n <= v.length; n++) if (re.test(v.slice(n))) return v.slice(0, n);
  } else {
    for (let n = v.length; n >= 0; n--) if (re.test(v.slice(n))) return v.slice(0, n);
  }
  return v;
}

function replace(v: string, pat: string, rep: string, all: boolean): string {
  if (!pat) return v;
  const re = new RegExp(globBody(pat), all ? 'g' : '');
  return v.replace(re, () => rep);
}

/** Expand one word (quotes removed). */
export function expandWord(word: string, vars: Vars, opts: Options): string {
  return new Lexer(word, vars, opts).word();
}

/** Expand the variables in a here-document's text. */
export function expandHeredoc(text: string, vars: Vars, opts: Options): string {
  return new Lexer(text, vars, opts).heredoc();
}

/** Expand and split into words on unquoted whitespace. */
export function expandWords(text: string, vars: Vars, opts: Options): string[] {
  return new Lexer(text, vars, opts).words();
}

/**
 * Split on unquoted whitespace without expanding, quotes and escapes kept: docker's first
 * pass over ENV, LABEL and ARG arguments (each word is expanded later).
 */
export function splitRaw(text: string, escape: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === escape && quote === '"' && i + 1 < text.length) {
        cur += c + text[++i];
        continue;
      }
      if (c === quote) quote = '';
      cur += c;
      continue;
    }
    if (c === escape && i + 1 < text.length) {
      cur += c + text[++i];
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      cur += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (cur) out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  if (quote) throw new SubstitutionError(`unexpected end of statement while looking for matching ${quote === '"' ? 'double' : 'single'}-quote`);
  if (cur) out.push(cur);
  return out;
}
