// Dockerfile instructions with their flags checked and their forms told apart (exec or shell,
// key=value or the old `KEY value`), split into stages. Variables are expanded later, when a
// step runs, because ENV and ARG change them as the stage goes.
import { DockerfileError, isHeredocToken, parseJsonForm, type Heredoc, type ParsedDockerfile, type RawInstruction } from './dockerfile.js';
import { splitRaw } from './shell-lex.js';

/** Flags each instruction takes; `multi` ones may repeat. */
const FLAGS: Record<string, { names: string[]; multi?: string[]; bool?: string[] }> = {
  FROM: { names: ['platform'] },
  RUN: { names: ['mount', 'network', 'security'], multi: ['mount'] },
  COPY: { names: ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'], multi: ['exclude'], bool: ['link', 'parents'] },
  ADD: { names: ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir', 'exclude'], multi: ['exclude'], bool: ['link', 'keep-git-dir'] },
  HEALTHCHECK: { names: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'] },
};

const KEYWORDS = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']);

export interface Flags {
  values: Map<string, string[]>;
  get(name: string): string | undefined;
  all(name: string): string[];
  has(name: string): boolean;
}

export interface Instruction {
  keyword: string;
  /** the arguments after the flags, as written */
  args: string;
  flags: Flags;
  /** the exec form, when the arguments are a JSON array */
  json?: string[];
  heredocs: Heredoc[];
  line: number;
  endLine: number;
  original: string;
  /** keyword and arguments with flags, on one line: how progress and history show it */
  text: string;
}

export interface Stage {
  index: number;
  /** lower-cased `AS` name */
  name?: string;
  from: Instruction;
  /** the FROM arguments, unexpanded: image, or an earlier stage's name */
  base: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  globalArgs: Instruction[];
  stages: Stage[];
  parsed: ParsedDockerfile;
}

const FLAG_RE = /^--([A-Za-z][A-Za-z0-9-]*)(?:=((?:"[^"]*"|'[^']*'|[^\s"'])*))?(?:\s+|$)/;

function unquote(v: string): string {
  return v.replace(/"([^"]*)"|'([^']*)'/g, (_m, a: string | undefined, b: string | undefined) => a ?? b ?? '');
}

function parseFlags(raw: RawInstruction): { flags: Flags; rest: string } {
  const spec = FLAGS[raw.keyword];
  const values = new Map<string, string[]>();
  let rest = raw.args;
  for (;;) {
    const m = FLAG_RE.exec(rest);
    if (!m) break;
    const [whole, name, value] = m;
    if (!spec || !spec.names.includes(name)) throw new DockerfileError(`unknown flag: ${name}`, raw.line);
    if (value === undefined && !spec.bool?.includes(name)) throw new DockerfileError(`missing a value on flag: ${name}`, raw.line);
    if (values.has(name) && !spec.multi?.includes(name)) throw new DockerfileError(`duplicate flag specified: ${name}`, raw.line);
    values.set(name, [...(values.get(name) ?? []), value === undefined ? 'true' : unquote(value)]);
    rest = rest.slice(whole.length);
  }
  const flags: Flags = {
    values,
    get: (n) => values.get(n)?.at(-1),
    all: (n) => values.get(n) ?? [],
    has: (n) => values.has(n),
  };
  return { flags, rest };
}

function toInstruction(raw: RawInstruction): Instruction {
  if (!KEYWORDS.has(raw.keyword)) throw new DockerfileError(`unknown instruction: ${raw.keyword}`, raw.line);
  const { flags, rest } = parseFlags(raw);
  const json = ['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'COPY', 'ADD', 'VOLUME'].includes(raw.keyword) ? parseJsonForm(rest) : undefined;
  const ins: Instruction = { keyword: raw.keyword, args: rest, flags, json, heredocs: raw.heredocs, line: raw.line, endLine: raw.endLine, original: raw.original, text: `${raw.keyword} ${raw.args.split('\n')[0]}` };
  check(ins);
  return ins;
}

/** The argument checks docker makes at parse time. */
function check(i: Instruction): void {
  const fail = (msg: string) => {
    throw new DockerfileError(msg, i.line);
  };
  const words = () => splitRaw(i.args, '\\');
  switch (i.keyword) {
    case 'FROM': {
      const w = words();
      if (w.length !== 1 && !(w.length === 3 && w[1].toLowerCase() === 'as')) fail('FROM requires either one or three arguments');
      if (w.length === 3 && !/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(w[2])) fail(`invalid name for build stage: "${w[2]}", name can't start with a number or contain symbols`);
      break;
    }
    case 'COPY':
    case 'ADD':
      if (!i.json && words().filter((w) => !isHeredocToken(w)).length + i.heredocs.length < 2) fail(`${i.keyword} requires at least two arguments, but only one was provided. Destination could not be determined`);
      break;
    case 'SHELL':
      if (!i.json) fail('SHELL requires the arguments to be in JSON form');
      else if (!i.json.length) fail('SHELL requires at least one argument');
      break;
    case 'RUN':
    case 'CMD':
    case 'ENTRYPOINT':
      if (i.keyword === 'RUN' && !i.args.trim()) fail('RUN requires at least one argument');
      break;
    case 'ENV':
    case 'LABEL':
      if (!i.args.trim()) fail(`${i.keyword} requires at least one argument`);
      break;
    case 'ARG':
      if (!i.args.trim()) fail('ARG requires at least one argument');
      break;
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      if (!i.args.trim()) fail(`${i.keyword} requires exactly one argument`);
      break;
    case 'EXPOSE':
    case 'VOLUME':
      if (!i.args.trim()) fail(`${i.keyword} requires at least one argument`);
      break;
    case 'HEALTHCHECK': {
      const kind = i.args.trim().split(/\s+/)[0]?.toUpperCase();
      if (kind !== 'NONE' && kind !== 'CMD') fail('Unknown type "' + (kind ?? '') + '" in HEALTHCHECK (try CMD)');
      if (kind === 'NONE' && i.args.trim().split(/\s+/).length > 1) fail('HEALTHCHECK NONE takes no arguments');
      if (kind === 'CMD' && i.args.trim().split(/\s+/).length < 2) fail('Missing command after HEALTHCHECK CMD');
      break;
    }
    case 'ONBUILD': {
      const k = i.args.trim().split(/\s+/)[0]?.toUpperCase();
      if (!k) fail('ONBUILD requires at least one argument');
      if (k === 'ONBUILD') fail('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (k === 'FROM' || k === 'MAINTAINER') fail(`${k} isn't allowed as an ONBUILD trigger`);
      break;
    }
  }
}

/** Parse an ONBUILD trigger (or any single line) as an instruction. */
export function parseTrigger(text: string, line: number): Instruction {
  const m = /^\s*(\S+)(?:\s+([\s\S]*))?$/.exec(text);
  if (!m) throw new DockerfileError('empty ONBUILD trigger', line);
  return toInstruction({ keyword: m[1].toUpperCase(), args: (m[2] ?? '').trim(), heredocs: [], line, endLine: line, original: text });
}

export function toStages(parsed: ParsedDockerfile): Dockerfile {
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const raw of parsed.instructions) {
    const ins = toInstruction(raw);
    if (ins.keyword === 'FROM') {
      const w = splitRaw(ins.args, parsed.escape);
      const name = w.length === 3 ? w[2].toLowerCase() : undefined;
      if (name && stages.some((s) => s.name === name)) throw new DockerfileError(`duplicate stage name "${name}"`, ins.line);
      stages.push({ index: stages.length, name, from: ins, base: w[0], instructions: [] });
    } else if (!stages.length) {
      if (ins.keyword !== 'ARG') throw new DockerfileError(`no build stage in current context: ${ins.keyword} before the first FROM`, ins.line);
      globalArgs.push(ins);
    } else stages[stages.length - 1].instructions.push(ins);
  }
  if (!stages.length) throw new DockerfileError('the Dockerfile has no FROM instruction');
  return { globalArgs, stages, parsed };
}
