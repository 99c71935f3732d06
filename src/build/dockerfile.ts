// The Dockerfile's lexical layer, as docker's parser reads it: parser directives at the top
// (`# syntax=`, `# escape=`), comment lines, line continuations with the escape character
// (comment and blank lines inside a continuation are dropped), and here-documents after
// RUN, COPY and ADD. What comes out is one record per instruction with its source lines;
// meaning (flags, JSON forms, variables) is instructions.ts's job.
//
// dockerfile-ast was tried first and set aside: it is an editor's AST that keeps comment
// lines inside continuations in an instruction's arguments and drops the spaces inside JSON
// strings ("echo x" became "echox"), and both change what a build does.

export class DockerfileError extends Error {
  constructor(
    message: string,
    /** 1-based line of the instruction, when there is one */
    readonly line?: number,
  ) {
    super(message);
    this.name = 'DockerfileError';
  }
}

export interface Heredoc {
  name: string;
  content: string;
  /** false when the delimiter was quoted (<<"EOF"): no variable expansion */
  expand: boolean;
}

export interface RawInstruction {
  /** upper-case keyword */
  keyword: string;
  /** everything after the keyword, continuations joined */
  args: string;
  heredocs: Heredoc[];
  /** 1-based first and last source lines */
  line: number;
  endLine: number;
  /** the instruction as written (first line + continuations), for messages and history */
  original: string;
}

export interface ParsedDockerfile {
  directives: Record<string, string>;
  escape: string;
  instructions: RawInstruction[];
  lines: string[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC = /<<(-?)(?:"([^"\n]+)"|'([^'\n]+)'|([A-Za-z0-9_][A-Za-z0-9_.-]*))/g;

function isComment(line: string): boolean {
  return /^\s*#/.test(line);
}

/** Whether `line` (trailing spaces trimmed) ends in an unescaped escape character. */
function continues(line: string, escape: string): boolean {
  const t = line.replace(/\s+$/, '');
  if (!t.endsWith(escape)) return false;
  let n = 0;
  for (let i = t.length - 1; i >= 0 && t[i] === escape; i--) n++;
  return n % 2 === 1;
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const directives: Record<string, string> = {};
  let i = 0;
  // Directives: only at the very top, before any blank line, other comment or instruction.
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]);
    if (!m) break;
    const key = m[1].toLowerCase();
    if (key !== 'syntax' && key !== 'escape' && key !== 'check') break;
    if (key in directives) throw new DockerfileError(`only one ${key} parser directive can be used`, i + 1);
    directives[key] = m[2];
  }
  const escape = directives.escape ?? '\\';
  if (escape !== '\\' && escape !== '`') throw new DockerfileError(`invalid escape token '${escape}' does not match ` + '` or \\', 1);

  const instructions: RawInstruction[] = [];
  while (i < lines.length) {
    const first = lines[i];
    if (!first.trim() || isComment(first)) {
      i++;
      continue;
    }
    const start = i;
    const original = [first];
    let joined = '';
    let line = first;
    // Join continuations: the escape character and the newline disappear.
    while (continues(line, escape)) {
      const t = line.replace(/\s+$/, '');
      joined += t.slice(0, -1);
      i++;
      while (i < lines.length && (isComment(lines[i]) || !lines[i].trim())) original.push(lines[i++]);
      if (i >= lines.length) {
        line = '';
        break;
      }
      line = lines[i];
      original.push(line);
    }
    joined += line;
    i++;
    const m = /^\s*(\S+)(?:\s+([\s\S]*))?$/.exec(joined)!;
    const keyword = m[1].toUpperCase();
    const args = (m[2] ?? '').trim();
    const heredocs: Heredoc[] = [];
    if (HEREDOC_KEYWORDS.has(keyword)) {
      for (const h of args.matchAll(HEREDOC)) {
        const [, chomp, dq, sq, bare] = h;
        const name = dq ?? sq ?? bare;
        const body: string[] = [];
        for (;;) {
          if (i >= lines.length) throw new DockerfileError(`unterminated heredoc ${name}`, start + 1);
          const l = lines[i++];
          original.push(l);
          const cmp = chomp ? l.replace(/^\t+/, '') : l;
          if (cmp === name) break;
          body.push(cmp);
        }
        heredocs.push({ name, content: body.length ? body.join('\n') + '\n' : '', expand: !dq && !sq });
      }
    }
    instructions.push({ keyword, args, heredocs, line: start + 1, endLine: i, original: original.join('\n') });
  }
  return { directives, escape, instructions, lines };
}

export function isHeredocToken(word: string): string | undefined {
  const m = /^<<-?(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_][A-Za-z0-9_.-]*))$/.exec(word);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

/** Docker's exec form: a JSON array of strings; anything else is the shell form. */
export function parseJsonForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(args) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    /* not JSON: shell form */
  }
  return undefined;
}

/** A snippet of the Dockerfile around a line, marked as BuildKit marks it. */
export function snippet(file: string, lines: string[], from: number, to = from): string {
  const out = [`${file}:${from === to ? from : `${from}-${to}`}`, '--------------------'];
  const lo = Math.max(1, from - 2);
  const hi = Math.min(lines.length, to + 2);
  const width = Math.max(4, String(hi).length + 1);
  for (let n = lo; n <= hi; n++) out.push(`${String(n).padStart(width)} | ${n >= from && n <= to ? '>>> ' : '    '}${lines[n - 1]}`.trimEnd());
  out.push('--------------------');
  return out.join('\n');
}
