// A Go text/template engine covering what docker users write in --format, with docker's extra
// functions (json, join, split, lower, upper, title, pad, truncate). Parse once with
// parseTemplate(), render many times.
//
// Data model: JS values stand in for Go values. Objects (and Maps) behave like Go maps —
// `.Key` looks a key up, a missing key renders "<no value>", printing sorts keys
// ("map[a:1 b:2]"), range visits keys in sorted order. A property holding a function acts as a
// method: `{{.Label "x"}}` calls it with the arguments. Arrays are slices, null/undefined is nil,
// integral numbers print as Go ints and other numbers as float64.
//
// Errors follow Go's wording and docker's prefix: parse errors read
// `template parsing error: template: :1: function "foo" not defined`, execution errors
// `template parsing error: template: :1:9: executing "" at <.Labels.foo>: can't evaluate field
// foo in type string`.

import { goFormatFloat, type GoFloatVerb } from './units.js';

// ---------------------------------------------------------------------------------------------
// Public API

export type TemplateFunction = (...args: any[]) => unknown;

export interface ParseOptions {
  /** Extra functions (on top of Go's builtins and docker's). */
  funcs?: Record<string, TemplateFunction>;
}

export interface RenderOptions {
  /** Functions that replace same-named ones for this render (e.g. docker's header functions). */
  funcs?: Record<string, TemplateFunction>;
  /** Go's missingkey option: 'default' renders "<no value>", 'error' fails. */
  missingKey?: 'default' | 'error';
}

export class TemplateError extends Error {
  /** For execution errors: what had been rendered before the error (Go leaves it in the writer). */
  readonly partial: string;
  constructor(message: string, partial = '') {
    super(message);
    this.name = 'TemplateError';
    this.partial = partial;
  }
}

export class Template {
  readonly source: string;
  private readonly root: ListNode;
  private readonly funcs: Record<string, TemplateFunction>;

  /** @internal use parseTemplate() */
  constructor(source: string, root: ListNode, funcs: Record<string, TemplateFunction>) {
    this.source = source;
    this.root = root;
    this.funcs = funcs;
  }

  render(data: unknown, opts: RenderOptions = {}): string {
    const st = new State(this.source, data, this.funcs, opts);
    try {
      st.walk(data, this.root);
    } catch (e) {
      if (e instanceof ExecError) {
        throw new TemplateError(`template parsing error: ${e.message}`, st.out.join(''));
      }
      throw e;
    }
    return st.out.join('');
  }
}

/** Parse a template; throws TemplateError("template parsing error: ...") when it is invalid. */
export function parseTemplate(src: string, opts: ParseOptions = {}): Template {
  const funcs = opts.funcs ? { ...opts.funcs } : {};
  const root = new Parser(src, funcs).parse();
  return new Template(src, root, funcs);
}

export function renderTemplate(src: string, data: unknown, opts: ParseOptions & RenderOptions = {}): string {
  return parseTemplate(src, opts).render(data, opts);
}

// ---------------------------------------------------------------------------------------------
// Lexer

type Tok =
  | 'text'
  | 'left'
  | 'right'
  | 'space'
  | 'field'
  | 'dot'
  | 'var'
  | 'ident'
  | 'bool'
  | 'nil'
  | 'string'
  | 'rawstring'
  | 'char'
  | 'number'
  | 'pipe'
  | 'lparen'
  | 'rparen'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'other'
  | 'error'
  | 'eof'
  | 'kw';

interface Token {
  t: Tok;
  v: string;
  pos: number;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined) => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

function lex(src: string): Token[] {
  const toks: Token[] = [];
  const n = src.length;
  let i = 0;
  let trimNextText = false;
  const fail = (msg: string, pos: number) => {
    toks.push({ t: 'error', v: msg, pos });
  };

  outer: while (i <= n) {
    // ---- text up to the next action
    let j = src.indexOf('{{', i);
    const end = j < 0 ? n : j;
    let text = src.slice(i, end);
    let leftTrim = false;
    if (j >= 0 && src[j + 2] === '-' && isSpace(src[j + 3])) leftTrim = true;
    if (trimNextText) text = text.replace(/^[ \t\r\n]+/, '');
    if (leftTrim) text = text.replace(/[ \t\r\n]+$/, '');
    trimNextText = false;
    if (text.length > 0) toks.push({ t: 'text', v: text, pos: i });
    if (j < 0) break;

    // ---- an action
    const leftPos = j;
    i = j + 2 + (leftTrim ? 2 : 0);
    // comment
    if (src.startsWith('/*', i)) {
      const close = src.indexOf('*/', i + 2);
      if (close < 0) {
        fail('unclosed comment', leftPos);
        break;
      }
      i = close + 2;
      if (isSpace(src[i]) && src.startsWith('-}}', i + 1)) {
        trimNextText = true;
        i += 4;
      } else if (src.startsWith('}}', i)) {
        i += 2;
      } else {
        fail('comment ends before closing delimiter', leftPos);
        break;
      }
      continue;
    }
    toks.push({ t: 'left', v: '{{', pos: leftPos });
    let parens = 0;
    for (;;) {
      // right delimiter?
      if (src.startsWith('}}', i) || (isSpace(src[i]) && src.startsWith('-}}', i + 1))) {
        if (parens > 0) {
          fail('unclosed left paren', i);
          break outer;
        }
        if (src[i] === '}') {
          toks.push({ t: 'right', v: '}}', pos: i });
          i += 2;
        } else {
          toks.push({ t: 'right', v: '}}', pos: i + 2 });
          i += 4;
          trimNextText = true;
        }
        continue outer;
      }
      if (i >= n) {
        fail('unclosed action', leftPos);
        break outer;
      }
      const c = src[i]!;
      const start = i;
      if (isSpace(c)) {
        while (i < n && isSpace(src[i]) && !(src.startsWith('-}}', i + 1))) i++;
        toks.push({ t: 'space', v: src.slice(start, i), pos: start });
        continue;
      }
      if (c === '"') {
        i++;
        while (i < n && src[i] !== '"') {
          if (src[i] === '\n') break;
          if (src[i] === '\\') i++;
          i++;
        }
        if (i >= n || src[i] !== '"') {
          fail('unterminated quoted string', start);
          break outer;
        }
        i++;
        toks.push({ t: 'string', v: src.slice(start, i), pos: start });
        continue;
      }
      if (c === '`') {
        const close = src.indexOf('`', i + 1);
        if (close < 0) {
          fail('unterminated raw quoted string', start);
          break outer;
        }
        i = close + 1;
        toks.push({ t: 'rawstring', v: src.slice(start, i), pos: start });
        continue;
      }
      if (c === "'") {
        i++;
        while (i < n && src[i] !== "'") {
          if (src[i] === '\n') break;
          if (src[i] === '\\') i++;
          i++;
        }
        if (i >= n || src[i] !== "'") {
          fail('unterminated character constant', start);
          break outer;
        }
        i++;
        toks.push({ t: 'char', v: src.slice(start, i), pos: start });
        continue;
      }
      if (c === '$') {
        i++;
        while (i < n && isAlnum(src[i])) i++;
        toks.push({ t: 'var', v: src.slice(start, i), pos: start });
        if (!atTerminator(src, i)) {
          fail(`bad character ${goRuneDesc(src.codePointAt(i)!)}`, i);
          break outer;
        }
        continue;
      }
      if (c === '.' && !isDigit(src[i + 1])) {
        i++;
        if (isAlnum(src[i])) {
          while (i < n && isAlnum(src[i])) i++;
          toks.push({ t: 'field', v: src.slice(start, i), pos: start });
          if (!atTerminator(src, i)) {
            fail(`bad character ${goRuneDesc(src.codePointAt(i)!)}`, i);
            break outer;
          }
        } else if (atTerminator(src, i)) {
          toks.push({ t: 'dot', v: '.', pos: start });
        } else {
          fail(`bad character ${goRuneDesc(src.codePointAt(i)!)}`, i);
          break outer;
        }
        continue;
      }
      if (c === '.' || c === '+' || c === '-' || isDigit(c)) {
        const m = /^[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?)i?/.exec(
          src.slice(i),
        );
        let len = m ? m[0].length : 0;
        if (len === 0 || (len === 1 && (c === '+' || c === '-'))) {
          // a lone sign: Go emits it as a plain character
          i++;
          toks.push({ t: 'other', v: c, pos: start });
          continue;
        }
        if (isAlnum(src[i + len])) {
          len += String.fromCodePoint(src.codePointAt(i + len)!).length; // Go quotes the offending rune too
          fail(`bad number syntax: "${src.slice(i, i + len)}"`, start);
          break outer;
        }
        i += len;
        toks.push({ t: 'number', v: src.slice(start, i), pos: start });
        continue;
      }
      if (/^[\p{L}_]$/u.test(c)) {
        while (i < n && isAlnum(src[i])) i++;
        const word = src.slice(start, i);
        if (!atTerminator(src, i)) {
          fail(`bad character ${goRuneDesc(src.codePointAt(i)!)}`, i);
          break outer;
        }
        if (KEYWORDS.has(word)) toks.push({ t: 'kw', v: word, pos: start });
        else if (word === 'true' || word === 'false') toks.push({ t: 'bool', v: word, pos: start });
        else if (word === 'nil') toks.push({ t: 'nil', v: word, pos: start });
        else toks.push({ t: 'ident', v: word, pos: start });
        continue;
      }
      i++;
      switch (c) {
        case '|':
          toks.push({ t: 'pipe', v: c, pos: start });
          continue;
        case '(':
          parens++;
          toks.push({ t: 'lparen', v: c, pos: start });
          continue;
        case ')':
          parens--;
          if (parens < 0) {
            fail('unexpected right paren', start);
            break outer;
          }
          toks.push({ t: 'rparen', v: c, pos: start });
          continue;
        case ':':
          if (src[i] !== '=') {
            fail('expected :=', start);
            break outer;
          }
          i++;
          toks.push({ t: 'declare', v: ':=', pos: start });
          continue;
        case '=':
          toks.push({ t: 'assign', v: '=', pos: start });
          continue;
        case ',':
          toks.push({ t: 'comma', v: ',', pos: start });
          continue;
      }
      const cp = c.codePointAt(0)!;
      if (cp <= 0x7e && cp >= 0x20) {
        toks.push({ t: 'other', v: c, pos: start });
        continue;
      }
      fail(`unrecognized character in action: ${goRuneDesc(src.codePointAt(start)!)}`, start);
      break outer;
    }
  }
  toks.push({ t: 'eof', v: '', pos: n });
  return toks;
}

function atTerminator(src: string, i: number): boolean {
  const c = src[i];
  if (c === undefined || isSpace(c)) return true;
  if ('.,|:)('.includes(c)) return true;
  return src.startsWith('}}', i);
}

function goRuneDesc(cp: number): string {
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex} '${String.fromCodePoint(cp)}'`;
}

// ---------------------------------------------------------------------------------------------
// AST

type Node =
  | TextNode
  | ActionNode
  | IfNode
  | RangeNode
  | BreakNode
  | ContinueNode
  | ListNode;

interface ListNode {
  k: 'list';
  nodes: Node[];
}
interface TextNode {
  k: 'text';
  text: string;
}
interface ActionNode {
  k: 'action';
  pipe: PipeNode;
}
interface IfNode {
  k: 'if' | 'with';
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
interface RangeNode {
  k: 'range';
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
interface BreakNode {
  k: 'break';
}
interface ContinueNode {
  k: 'continue';
}

interface PipeNode {
  k: 'pipe';
  pos: number;
  decl: string[];
  isAssign: boolean;
  cmds: CommandNode[];
}
interface CommandNode {
  k: 'command';
  pos: number;
  args: ArgNode[];
}
type ArgNode =
  | { k: 'field'; pos: number; idents: string[] }
  | { k: 'variable'; pos: number; name: string; idents: string[] }
  | { k: 'dot'; pos: number }
  | { k: 'nil'; pos: number }
  | { k: 'bool'; pos: number; value: boolean }
  | { k: 'number'; pos: number; value: number; text: string }
  | { k: 'string'; pos: number; value: string; text: string }
  | { k: 'identifier'; pos: number; name: string }
  | { k: 'chain'; pos: number; node: ArgNode | PipeNode; idents: string[] }
  | PipeNode;

function nodeString(n: ArgNode | CommandNode): string {
  switch (n.k) {
    case 'field':
      return '.' + n.idents.join('.');
    case 'variable':
      return [n.name, ...n.idents].join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.value);
    case 'number':
    case 'string':
      return n.text;
    case 'identifier':
      return n.name;
    case 'chain': {
      const base = n.node.k === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return base + n.idents.map((s) => '.' + s).join('');
    }
    case 'pipe': {
      const decl = n.decl.length > 0 ? `${n.decl.join(', ')} ${n.isAssign ? '=' : ':='} ` : '';
      return decl + n.cmds.map((c) => nodeString(c)).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.k === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
  }
}

// ---------------------------------------------------------------------------------------------
// Parser

class ParseError extends Error {}

function lineOf(src: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src.charCodeAt(i) === 10) line++;
  return line;
}

function describeToken(t: Token): string {
  if (t.t === 'eof') return 'EOF';
  if (t.t === 'error') return t.v;
  if (t.t === 'kw') return `<${t.v}>`;
  if (t.t === 'right') return '"}}"';
  if (t.t === 'left') return '"{{"';
  const chars = [...t.v];
  if (chars.length > 10) return `${goQuote(chars.slice(0, 10).join(''))}...`;
  return goQuote(t.v);
}

class Parser {
  private readonly toks: Token[];
  private p = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;

  constructor(
    private readonly src: string,
    private readonly funcs: Record<string, TemplateFunction>,
  ) {
    this.toks = lex(src);
  }

  parse(): ListNode {
    try {
      const list: ListNode = { k: 'list', nodes: [] };
      while (this.peek().t !== 'eof') {
        const n = this.textOrAction();
        if (n === 'end' || n === 'else' || n === 'else-chain') this.errorf(`unexpected {{${n === 'end' ? 'end' : 'else'}}}`);
        list.nodes.push(n);
      }
      return list;
    } catch (e) {
      if (e instanceof ParseError) throw new TemplateError(`template parsing error: ${e.message}`);
      throw e;
    }
  }

  private errorf(msg: string, tok: Token = this.toks[Math.max(0, this.p - 1)]!): never {
    throw new ParseError(`template: :${lineOf(this.src, tok.pos)}: ${msg}`);
  }

  private next(): Token {
    const t = this.toks[this.p]!;
    if (t.t === 'error') this.errorf(t.v, t);
    if (t.t !== 'eof') this.p++;
    return t;
  }
  private peek(): Token {
    return this.toks[this.p]!;
  }
  private nextNonSpace(): Token {
    let t = this.next();
    while (t.t === 'space') t = this.next();
    return t;
  }
  private peekNonSpace(): Token {
    let q = this.p;
    while (this.toks[q]!.t === 'space') q++;
    const t = this.toks[q]!;
    if (t.t === 'error') this.errorf(t.v, t);
    return t;
  }
  private expect(t: Tok, context: string): Token {
    const tok = this.nextNonSpace();
    if (tok.t !== t) this.unexpected(tok, context);
    return tok;
  }
  private unexpected(tok: Token, context: string): never {
    if (tok.t === 'error') this.errorf(tok.v, tok);
    this.errorf(`unexpected ${describeToken(tok)} in ${context}`, tok);
  }

  /** Returns a node, or the markers 'end' / 'else' (after consuming the closing delimiter). */
  private textOrAction(): Node | 'end' | 'else' | 'else-chain' {
    const tok = this.nextNonSpace();
    if (tok.t === 'text') return { k: 'text', text: tok.v };
    if (tok.t === 'left') return this.action();
    this.unexpected(tok, 'input');
  }

  private action(): Node | 'end' | 'else' | 'else-chain' {
    const tok = this.nextNonSpace();
    if (tok.t === 'kw') {
      switch (tok.v) {
        case 'if':
          return this.control('if');
        case 'with':
          return this.control('with');
        case 'range':
          return this.control('range');
        case 'end':
          this.expect('right', 'end');
          return 'end';
        case 'else': {
          const pk = this.peekNonSpace();
          if (pk.t === 'kw' && (pk.v === 'if' || pk.v === 'with')) return 'else-chain';
          this.expect('right', 'else');
          return 'else';
        }
        case 'break':
        case 'continue': {
          if (this.rangeDepth === 0) this.errorf(`{{${tok.v}}} outside {{range}}`, tok);
          this.expect('right', tok.v);
          return { k: tok.v };
        }
        default:
          this.errorf(`{{${tok.v}}} is not supported`, tok);
      }
    }
    this.p--; // back up over the token (spaces before it are irrelevant)
    return { k: 'action', pipe: this.pipeline('command', 'right') };
  }

  private itemList(): { list: ListNode; next: 'end' | 'else' | 'else-chain' } {
    const list: ListNode = { k: 'list', nodes: [] };
    while (this.peekNonSpace().t !== 'eof') {
      const n = this.textOrAction();
      if (n === 'end' || n === 'else' || n === 'else-chain') return { list, next: n };
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF', this.peek());
  }

  private control(context: 'if' | 'with' | 'range'): IfNode | RangeNode {
    const mark = this.vars.length;
    const pipe = this.pipeline(context, 'right');
    if (context === 'range') this.rangeDepth++;
    const { list, next } = this.itemList();
    if (context === 'range') this.rangeDepth--;
    let elseList: ListNode | null = null;
    if (next === 'else-chain') {
      // {{if a}}x{{else if b}}y{{end}} is {{if a}}x{{else}}{{if b}}y{{end}}{{end}}
      const kw = this.nextNonSpace();
      if (context === 'range' || kw.v !== context) {
        // Go allows "else if" after if and "else with" after with only
        this.errorf(`unexpected <${kw.v}> in else`, kw);
      }
      elseList = { k: 'list', nodes: [this.control(context)] };
    } else if (next === 'else') {
      const r = this.itemList();
      if (r.next !== 'end') this.errorf('expected end; found {{else}}');
      elseList = r.list;
    }
    this.vars.length = mark;
    if (context === 'range') return { k: 'range', pipe, list, elseList };
    return { k: context, pipe, list, elseList };
  }

  private pipeline(context: string, end: 'right' | 'rparen'): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { k: 'pipe', pos: first.pos, decl: [], isAssign: false, cmds: [] };
    // declarations: $x := ..., $x = ..., $i, $e := ... (range only)
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.t !== 'var') break;
      const save = this.p;
      this.nextNonSpace();
      const nx = this.peekNonSpace();
      if (nx.t === 'declare' || nx.t === 'assign') {
        this.nextNonSpace();
        pipe.isAssign = nx.t === 'assign';
        pipe.decl.push(v.v);
        if (pipe.isAssign) {
          if (!this.vars.includes(v.v)) this.errorf(`undefined variable "${v.v}"`, v);
        } else this.vars.push(v.v);
        break decls;
      }
      if (nx.t === 'comma') {
        this.nextNonSpace();
        pipe.decl.push(v.v);
        this.vars.push(v.v);
        if (context === 'range' && pipe.decl.length < 2) {
          const a = this.peekNonSpace();
          if (a.t === 'var' || a.t === 'right' || a.t === 'rparen') continue decls;
          this.errorf('range can only initialize variables', a);
        }
        this.errorf(`too many declarations in ${context}`, nx);
      }
      this.p = save;
      break;
    }
    for (;;) {
      const tok = this.nextNonSpace();
      if (tok.t === end) {
        if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`, tok);
        for (let i = 1; i < pipe.cmds.length; i++) {
          const a0 = pipe.cmds[i]!.args[0]!;
          if (a0.k === 'bool' || a0.k === 'dot' || a0.k === 'nil' || a0.k === 'number' || a0.k === 'string') {
            this.errorf(`non executable command in pipeline stage ${i + 1}`, tok);
          }
        }
        return pipe;
      }
      switch (tok.t) {
        case 'bool':
        case 'char':
        case 'dot':
        case 'field':
        case 'ident':
        case 'number':
        case 'nil':
        case 'rawstring':
        case 'string':
        case 'var':
        case 'lparen':
          this.p--;
          pipe.cmds.push(this.command());
          continue;
        default:
          this.unexpected(tok, context);
      }
    }
  }

  private command(): CommandNode {
    const cmd: CommandNode = { k: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const tok = this.next();
      if (tok.t === 'space') continue;
      if (tok.t === 'right' || tok.t === 'rparen') this.p--;
      else if (tok.t !== 'pipe') this.unexpected(tok, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (!node) return null;
    if (this.peek().t !== 'field') return node;
    const chainPos = this.peek().pos;
    const idents: string[] = [];
    while (this.peek().t === 'field') idents.push(this.next().v.slice(1));
    switch (node.k) {
      case 'field':
        return { k: 'field', pos: chainPos, idents: [...node.idents, ...idents] };
      case 'variable':
        return { k: 'variable', pos: chainPos, name: node.name, idents: [...node.idents, ...idents] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
      default:
        return { k: 'chain', pos: chainPos, node, idents };
    }
  }

  private term(): ArgNode | null {
    const tok = this.nextNonSpace();
    switch (tok.t) {
      case 'ident':
        if (!hasOwn(this.funcs, tok.v) && !hasOwn(BUILTINS, tok.v) && tok.v !== 'and' && tok.v !== 'or') {
          this.errorf(`function "${tok.v}" not defined`, tok);
        }
        return { k: 'identifier', pos: tok.pos, name: tok.v };
      case 'dot':
        return { k: 'dot', pos: tok.pos };
      case 'nil':
        return { k: 'nil', pos: tok.pos };
      case 'var':
        if (!this.vars.includes(tok.v)) this.errorf(`undefined variable "${tok.v}"`, tok);
        return { k: 'variable', pos: tok.pos, name: tok.v, idents: [] };
      case 'field':
        return { k: 'field', pos: tok.pos, idents: [tok.v.slice(1)] };
      case 'bool':
        return { k: 'bool', pos: tok.pos, value: tok.v === 'true' };
      case 'number':
        return { k: 'number', pos: tok.pos, value: this.parseNumber(tok), text: tok.v };
      case 'char':
        return { k: 'number', pos: tok.pos, value: this.parseChar(tok), text: tok.v };
      case 'lparen':
        return this.pipeline('parenthesized pipeline', 'rparen');
      case 'string':
        return { k: 'string', pos: tok.pos, value: this.unquote(tok), text: tok.v };
      case 'rawstring':
        return { k: 'string', pos: tok.pos, value: tok.v.slice(1, -1).replace(/\r/g, ''), text: tok.v };
    }
    this.p--;
    return null;
  }

  private parseNumber(tok: Token): number {
    let s = tok.v;
    const bad = (): never => this.errorf(`illegal number syntax: "${tok.v}"`, tok);
    if (s.endsWith('i')) this.errorf(`complex numbers are not supported: "${tok.v}"`, tok);
    let sign = 1;
    if (s[0] === '+' || s[0] === '-') {
      if (s[0] === '-') sign = -1;
      s = s.slice(1);
    }
    if (s.includes('_')) {
      if (/^_|_$|__/.test(s)) bad();
      s = s.replace(/_/g, '');
    }
    let v: number;
    if (/^0[xX]/.test(s)) {
      if (/[.pP]/.test(s)) {
        const m = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s);
        if (!m) return bad();
        const intPart = m[1] ?? '';
        const frac = m[2] ?? '';
        v = parseInt(intPart + frac || '0', 16) * 2 ** (Number(m[3]) - 4 * frac.length);
      } else {
        if (s.length === 2) bad();
        v = parseInt(s.slice(2), 16);
      }
    } else if (/^0[bB]/.test(s)) v = parseInt(s.slice(2), 2);
    else if (/^0[oO]/.test(s)) v = parseInt(s.slice(2), 8);
    else if (/^0[0-7]+$/.test(s)) v = parseInt(s.slice(1), 8);
    else if (/^0\d+$/.test(s)) bad();
    else v = Number(s);
    if (Number.isNaN(v!)) bad();
    return sign * v!;
  }

  private parseChar(tok: Token): number {
    const body = tok.v.slice(1, -1);
    const s = this.unescape(body, "'", tok);
    const cps = [...s];
    if (cps.length !== 1) this.errorf(`malformed character constant: ${tok.v}`, tok);
    return cps[0]!.codePointAt(0)!;
  }

  private unquote(tok: Token): string {
    return this.unescape(tok.v.slice(1, -1), '"', tok);
  }

  /** Go's strconv.Unquote for the body of a quoted string or rune literal. */
  private unescape(body: string, quote: string, tok: Token): string {
    if (!body.includes('\\')) return body;
    const bytes: number[] = [];
    const pushStr = (s: string) => {
      for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
    };
    const bad = (): never => this.errorf('invalid syntax', tok);
    for (let i = 0; i < body.length; i++) {
      const c = body[i]!;
      if (c !== '\\') {
        const cp = body.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        pushStr(ch);
        i += ch.length - 1;
        continue;
      }
      const e = body[++i];
      switch (e) {
        case 'a':
          bytes.push(7);
          break;
        case 'b':
          bytes.push(8);
          break;
        case 'f':
          bytes.push(12);
          break;
        case 'n':
          bytes.push(10);
          break;
        case 'r':
          bytes.push(13);
          break;
        case 't':
          bytes.push(9);
          break;
        case 'v':
          bytes.push(11);
          break;
        case '\\':
          bytes.push(92);
          break;
        case '"':
        case "'":
          if (e !== quote) bad();
          bytes.push(e.charCodeAt(0));
          break;
        case 'x': {
          const h = body.slice(i + 1, i + 3);
          if (!/^[0-9a-fA-F]{2}$/.test(h)) bad();
          bytes.push(parseInt(h, 16));
          i += 2;
          break;
        }
        case 'u':
        case 'U': {
          const len = e === 'u' ? 4 : 8;
          const h = body.slice(i + 1, i + 1 + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) bad();
          const cp = parseInt(h, 16);
          if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) bad();
          pushStr(String.fromCodePoint(cp));
          i += len;
          break;
        }
        default: {
          const o = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) bad();
          bytes.push(parseInt(o, 8));
          i += 2;
        }
      }
    }
    return Buffer.from(bytes).toString('utf8');
  }
}

// ---------------------------------------------------------------------------------------------
// Values: Go-like printing

type Kind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'func' | 'other';

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    case 'object':
      if (Array.isArray(v) || ArrayBuffer.isView(v) || v instanceof Set) return 'slice';
      if (v instanceof Date) return 'other';
      return 'map';
  }
  return 'other';
}

/** Go's %T name for the value, as shown in error messages. */
function goTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'slice':
      return v instanceof Uint8Array ? '[]uint8' : '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    case 'func':
      return 'func';
    default:
      return v instanceof Date ? 'time.Time' : typeof v;
  }
}

function toArray(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Set) return [...v];
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>);
  return [];
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Entries of a map-like value with keys sorted as Go's fmt and range sort them. */
function mapEntries(v: object): [unknown, unknown][] {
  if (v instanceof Map) return [...v.entries()].sort((x, y) => compareKeys(x[0], y[0]));
  const keys = Object.keys(v).sort(compareKeys);
  const out: [unknown, unknown][] = [];
  for (const k of keys) {
    const val = (v as Record<string, unknown>)[k];
    if (val !== undefined) out.push([k, val]);
  }
  return out;
}

function pad2(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** time.Time.String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC". */
function goTimeString(d: Date): string {
  if (Number.isNaN(d.getTime())) return 'Invalid Date';
  const ms = d.getUTCMilliseconds();
  const frac = ms ? '.' + pad2(ms, 3).replace(/0+$/, '') : '';
  return (
    `${pad2(d.getUTCFullYear(), 4)}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}${frac} +0000 UTC`
  );
}

/** time.Time in RFC3339Nano (what encoding/json writes) in UTC. */
function goTimeJSON(d: Date): string {
  const ms = d.getUTCMilliseconds();
  const frac = ms ? '.' + pad2(ms, 3).replace(/0+$/, '') : '';
  return (
    `${pad2(d.getUTCFullYear(), 4)}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}${frac}Z`
  );
}

function formatNumber(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  if (Number.isInteger(v)) return Object.is(v, -0) ? '0' : Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString();
  return goFormatFloat(v, 'g', -1);
}

/** fmt.Sprint of one value (%v); nil is "<nil>". */
export function goSprintValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return '<nil>';
    case 'function':
      return '<func>';
    case 'object': {
      if (v === null) return '<nil>';
      if (v instanceof Date) return goTimeString(v);
      if (kindOf(v) === 'slice') return '[' + toArray(v).map(goSprintValue).join(' ') + ']';
      return 'map[' + mapEntries(v).map(([k, x]) => `${goSprintValue(k)}:${goSprintValue(x)}`).join(' ') + ']';
    }
  }
  return String(v);
}

/** How an action prints its value: like fmt.Print, but a nil/missing value is "<no value>". */
export function goPrintValue(v: unknown): string {
  if (v === null || v === undefined) return '<no value>';
  return goSprintValue(v);
}

/** fmt.Sprint(args...): spaces between operands when neither side is a string. */
export function goSprint(args: unknown[]): string {
  let s = '';
  for (let i = 0; i < args.length; i++) {
    if (i > 0 && typeof args[i] !== 'string' && typeof args[i - 1] !== 'string') s += ' ';
    s += goSprintValue(args[i]);
  }
  return s;
}

/** fmt.Sprintln(args...): always spaces between operands, newline at the end. */
export function goSprintln(args: unknown[]): string {
  return args.map(goSprintValue).join(' ') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Quoting

const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp === 7) out += '\\a';
    else if (cp === 8) out += '\\b';
    else if (cp === 12) out += '\\f';
    else if (cp === 10) out += '\\n';
    else if (cp === 13) out += '\\r';
    else if (cp === 9) out += '\\t';
    else if (cp === 11) out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp >= 0xd800 && cp < 0xe000) out += '\\ufffd';
    else if (GO_PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

// ---------------------------------------------------------------------------------------------
// JSON like Go's encoding/json

export interface GoJsonOptions {
  /** Escape <, > and & as \u003c, \u003e, \u0026 (json.Marshal does; docker's `json` template function does not). */
  escapeHTML?: boolean;
  /** Indent like json.MarshalIndent(v, "", indent). */
  indent?: string;
}

const JSON_NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/;
const JSON_NEEDS_ESCAPE_HTML = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff<>&]/;

function jsonString(s: string, escapeHTML: boolean): string {
  if (!(escapeHTML ? JSON_NEEDS_ESCAPE_HTML : JSON_NEEDS_ESCAPE).test(s)) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22:
        out += '\\"';
        continue;
      case 0x5c:
        out += '\\\\';
        continue;
      case 0x08:
        out += '\\b';
        continue;
      case 0x0c:
        out += '\\f';
        continue;
      case 0x0a:
        out += '\\n';
        continue;
      case 0x0d:
        out += '\\r';
        continue;
      case 0x09:
        out += '\\t';
        continue;
    }
    if (c < 0x20 || c === 0x2028 || c === 0x2029 || (escapeHTML && (c === 0x3c || c === 0x3e || c === 0x26))) {
      out += '\\u' + c.toString(16).padStart(4, '0');
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) < 0xe000) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c < 0xe000) {
      out += '\\ufffd'; // a lone surrogate is invalid UTF-8 to Go
    } else out += s[i]!;
  }
  return out + '"';
}

function jsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`json: unsupported value: ${goFormatFloat(n, 'g', -1)}`);
  if (Object.is(n, -0)) return Number.isInteger(n) ? '0' : '-0';
  return String(n); // JS and Go agree: shortest digits, exponent below 1e-6 and from 1e21
}

function jsonEncode(v: unknown, html: boolean, indent: string, cur: string, seen: Set<object>): string {
  switch (typeof v) {
    case 'string':
      return jsonString(v, html);
    case 'number':
      return jsonNumber(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
  }
  if (v === null) return 'null';
  const o = v as object;
  if (o instanceof Date) return '"' + goTimeJSON(o) + '"';
  if (o instanceof Uint8Array) return '"' + Buffer.from(o).toString('base64') + '"';
  if (typeof (o as { toJSON?: unknown }).toJSON === 'function') {
    return jsonEncode((o as { toJSON: () => unknown }).toJSON(), html, indent, cur, seen);
  }
  if (seen.has(o)) throw new Error('json: unsupported value: encountered a cycle');
  seen.add(o);
  try {
    const inner = indent ? cur + indent : '';
    const nl = indent ? '\n' : '';
    if (kindOf(o) === 'slice') {
      const arr = toArray(o);
      if (arr.length === 0) return '[]';
      const parts = arr.map((x) => jsonEncode(x, html, indent, inner, seen));
      return '[' + nl + inner + parts.join(',' + nl + inner) + nl + cur + ']';
    }
    let entries: [string, unknown][];
    if (o instanceof Map) {
      entries = [...o.entries()]
        .map(([k, x]): [string, unknown] => [String(k), x])
        .sort((a, b) => compareKeys(a[0], b[0]));
    } else {
      entries = Object.entries(o);
    }
    const parts: string[] = [];
    const colon = indent ? ': ' : ':';
    for (const [k, x] of entries) {
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      parts.push(jsonString(k, html) + colon + jsonEncode(x, html, indent, inner, seen));
    }
    if (parts.length === 0) return '{}';
    return '{' + nl + inner + parts.join(',' + nl + inner) + nl + cur + '}';
  } finally {
    seen.delete(o);
  }
}

/**
 * Encode like Go's encoding/json: compact (or MarshalIndent-style with `indent`), no trailing
 * newline. Object keys keep their insertion order (like a Go struct); Map keys are sorted (like
 * a Go map). Dates are RFC 3339 strings, Uint8Arrays base64. Throws on NaN/Infinity and cycles.
 */
export function goJson(value: unknown, opts: GoJsonOptions = {}): string {
  return jsonEncode(value, opts.escapeHTML ?? true, opts.indent ?? '', '', new Set());
}

// ---------------------------------------------------------------------------------------------
// printf

interface FmtFlags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number; // -1 when absent
  prec: number; // -1 when absent
}

function runeLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function padStr(s: string, f: FmtFlags, zeroOk = true): string {
  if (f.width < 0) return s;
  const n = f.width - runeLen(s);
  if (n <= 0) return s;
  if (f.minus) return s + ' '.repeat(n);
  if (f.zero && zeroOk) {
    const sign = s[0] === '-' || s[0] === '+' || s[0] === ' ' ? s[0] : '';
    return sign + '0'.repeat(n) + s.slice(sign.length);
  }
  return ' '.repeat(n) + s;
}

function badVerb(verb: string, v: unknown): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${goSprintValue(v)})`;
}

function fmtInteger(v: bigint, verb: string, f: FmtFlags): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'b':
      digits = abs.toString(2);
      if (f.sharp) prefix = '0b';
      break;
    case 'o':
      digits = abs.toString(8);
      if (f.sharp && digits !== '0') prefix = '0';
      break;
    case 'O':
      digits = abs.toString(8);
      prefix = '0o';
      break;
    case 'x':
      digits = abs.toString(16);
      if (f.sharp) prefix = '0x';
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (f.sharp) prefix = '0X';
      break;
    default:
      digits = abs.toString(10);
  }
  if (f.prec >= 0) {
    if (f.prec === 0 && abs === 0n) digits = '';
    digits = digits.padStart(f.prec, '0');
  } else if (f.zero && !f.minus && f.width > 0) {
    const signLen = neg || f.plus || f.space ? 1 : 0;
    digits = digits.padStart(f.width - signLen, '0');
  }
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return padStr(sign + prefix + digits, f, false);
}

function fmtFloat(v: number, verb: string, f: FmtFlags): string {
  let s: string;
  if (verb === 'v') s = goFormatFloat(v, 'g', f.prec);
  else {
    const gv = (verb === 'F' ? 'f' : verb) as GoFloatVerb;
    const prec = f.prec >= 0 ? f.prec : verb === 'g' || verb === 'G' ? -1 : 6;
    s = goFormatFloat(v, gv, prec);
  }
  if (!Number.isFinite(v)) {
    if (Number.isNaN(v)) s = f.plus ? '+NaN' : f.space ? ' NaN' : 'NaN';
    else if (v > 0) s = f.plus ? '+Inf' : f.space ? ' Inf' : '+Inf';
    return padStr(s, f, false);
  }
  if (s[0] !== '-') {
    if (f.plus) s = '+' + s;
    else if (f.space) s = ' ' + s;
  }
  return padStr(s, f, true);
}

function fmtString(s: string, verb: string, f: FmtFlags): string {
  if (f.prec >= 0 && verb !== 'x' && verb !== 'X') s = [...s].slice(0, f.prec).join('');
  switch (verb) {
    case 'v':
    case 's':
      return padStr(s, f);
    case 'q':
      return padStr(f.sharp && !s.includes('`') && !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(s) ? '`' + s + '`' : goQuote(s), f);
    case 'x':
    case 'X': {
      let b = Buffer.from(s, 'utf8');
      if (f.prec >= 0) b = b.subarray(0, f.prec);
      let hex = b.toString('hex');
      if (verb === 'X') hex = hex.toUpperCase();
      return padStr(hex, f);
    }
  }
  return badVerb(verb, s);
}

function fmtArg(v: unknown, verb: string, f: FmtFlags): string {
  if (verb === 'T') return padStr(goTypeName(v), f);
  if (verb === 'v' && f.sharp && typeof v === 'string') return padStr(goQuote(v), f);
  const kind = kindOf(v);
  switch (kind) {
    case 'nil':
      return verb === 'v' ? padStr('<nil>', f) : badVerb(verb, v);
    case 'bool':
      return verb === 'v' || verb === 't' ? padStr(v ? 'true' : 'false', f) : badVerb(verb, v);
    case 'int': {
      const b = typeof v === 'bigint' ? v : BigInt(v as number);
      switch (verb) {
        case 'v':
        case 'd':
        case 'b':
        case 'o':
        case 'O':
        case 'x':
        case 'X':
          return fmtInteger(b, verb, f);
        case 'c':
          return padStr(String.fromCodePoint(Number(b)), f);
        case 'q':
          return padStr("'" + goQuote(String.fromCodePoint(Number(b))).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'") + "'", f);
        case 'U': {
          let s = 'U+' + b.toString(16).toUpperCase().padStart(4, '0');
          if (f.sharp) s += ` '${String.fromCodePoint(Number(b))}'`;
          return padStr(s, f);
        }
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
          // JS can't tell 3 from 3.0; treat an integral number as a float for float verbs.
          return fmtFloat(Number(b), verb, f);
      }
      return badVerb(verb, v);
    }
    case 'float':
      switch (verb) {
        case 'v':
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
          return fmtFloat(v as number, verb, f);
      }
      return badVerb(verb, v);
    case 'string':
      return fmtString(v as string, verb, f);
    case 'slice': {
      const arr = toArray(v);
      if ((verb === 's' || verb === 'q' || verb === 'x' || verb === 'X') && v instanceof Uint8Array) {
        return fmtString(Buffer.from(v).toString('utf8'), verb, f);
      }
      const inner = { ...f, width: -1 };
      return padStr('[' + arr.map((x) => fmtArg(x, verb, inner)).join(' ') + ']', f);
    }
    case 'map': {
      const inner = { ...f, width: -1 };
      const body = mapEntries(v as object)
        .map(([k, x]) => `${fmtArg(k, verb, inner)}:${fmtArg(x, verb, inner)}`)
        .join(' ');
      return padStr('map[' + body + ']', f);
    }
    default:
      if (v instanceof Date) {
        if (verb === 'v' || verb === 's') return padStr(goTimeString(v), f);
        if (verb === 'q') return padStr(goQuote(goTimeString(v)), f);
        return badVerb(verb, v);
      }
      return verb === 'v' || verb === 's' ? padStr(goSprintValue(v), f) : badVerb(verb, v);
  }
}

/** fmt.Sprintf with Go's verbs, flags, widths and error annotations (%!d(string=x), MISSING, EXTRA). */
export function goSprintf(format: string, args: unknown[]): string {
  let out = '';
  let argNum = 0;
  const n = format.length;
  for (let i = 0; i < n; ) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: FmtFlags = { plus: false, minus: false, sharp: false, space: false, zero: false, width: -1, prec: -1 };
    flags: for (; i < n; i++) {
      switch (format[i]) {
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case '#':
          f.sharp = true;
          break;
        case ' ':
          f.space = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        default:
          break flags;
      }
    }
    const readNum = (): number => {
      let s = '';
      while (i < n && isDigit(format[i])) s += format[i++];
      return s ? Number(s) : -1;
    };
    if (format[i] === '*') {
      i++;
      const w = args[argNum++];
      if (typeof w === 'number' && Number.isInteger(w)) {
        f.width = Math.abs(w);
        if (w < 0) {
          f.minus = true;
          f.zero = false;
        }
      } else out += '%!(BADWIDTH)';
    } else f.width = readNum();
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        const p = args[argNum++];
        if (typeof p === 'number' && Number.isInteger(p) && p >= 0) f.prec = p;
        else out += '%!(BADPREC)';
      } else {
        const p = readNum();
        f.prec = p < 0 ? 0 : p;
      }
    }
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += fmtArg(args[argNum++], verb, f);
  }
  if (argNum < args.length) {
    out +=
      '%!(EXTRA ' +
      args
        .slice(argNum)
        .map((a) => (a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${goSprintValue(a)}`))
        .join(', ') +
      ')';
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Builtin functions

/** A user-facing error from a function (Go reports it as "error calling NAME: msg"). */
class CallError extends Error {}
/** An argument type/count error (Go reports it without the "error calling" prefix). */
class ArgError extends Error {}

type ParamType = 'any' | 'string' | 'int';

interface Builtin {
  params: ParamType[];
  variadic?: ParamType;
  fn: (...args: any[]) => unknown;
}

function checkArg(v: unknown, t: ParamType): unknown {
  if (t === 'any') return v;
  const want = t === 'int' ? 'int' : 'string';
  if (v === null || v === undefined) throw new ArgError(`invalid value; expected ${want}`);
  if (t === 'string' && typeof v !== 'string') {
    throw new ArgError(`wrong type for value; expected string; got ${goTypeName(v)}`);
  }
  if (t === 'int') {
    if (typeof v === 'bigint') return Number(v);
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new ArgError(`wrong type for value; expected int; got ${goTypeName(v)}`);
    }
  }
  return v;
}

function truth(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return typeof v === 'bigint' ? v !== 0n : v !== 0 && !Number.isNaN(v);
    case 'string':
      return (v as string).length > 0;
    case 'slice':
      return v instanceof Set ? v.size > 0 : toArray(v).length > 0;
    case 'map':
      return v instanceof Map ? v.size > 0 : Object.keys(v as object).length > 0;
    default:
      return true;
  }
}

type BasicKind = 'bool' | 'number' | 'string' | 'nil' | 'other';

function basicKind(v: unknown): BasicKind {
  switch (kindOf(v)) {
    case 'bool':
      return 'bool';
    case 'int':
    case 'float':
      return 'number';
    case 'string':
      return 'string';
    case 'nil':
      return 'nil';
    default:
      return 'other';
  }
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new CallError('missing argument for comparison');
  const ka = basicKind(a);
  for (const b of rest) {
    const kb = basicKind(b);
    if (ka !== kb) {
      if (ka !== 'nil' && kb !== 'nil') throw new CallError('incompatible types for comparison');
      continue;
    }
    if (ka === 'nil') return true;
    if (ka === 'number') {
      if (Number(a) === Number(b)) return true;
    } else if (a === b) return true;
  }
  return false;
}

function lessThan(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'bool' || ka === 'nil' || ka === 'other' || kb === 'bool' || kb === 'nil' || kb === 'other') {
    throw new CallError('invalid type for comparison');
  }
  if (ka !== kb) throw new CallError('incompatible types for comparison');
  if (ka === 'number') return Number(a) < Number(b);
  return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)) < 0;
}

function goLen(v: unknown): number {
  switch (kindOf(v)) {
    case 'string':
      return Buffer.byteLength(v as string, 'utf8');
    case 'slice':
      return v instanceof Set ? v.size : toArray(v).length;
    case 'map':
      return v instanceof Map ? v.size : Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined).length;
    case 'nil':
      throw new CallError('len of nil pointer');
  }
  throw new CallError(`len of type ${goTypeName(v)}`);
}

function indexArg(i: unknown, cap: number): number {
  if (typeof i === 'bigint') i = Number(i);
  if (typeof i !== 'number' || !Number.isInteger(i)) {
    throw new CallError(`cannot index slice/array with type ${goTypeName(i)}`);
  }
  if (i < 0 || i >= cap) throw new CallError(`index out of range: ${i}`);
  return i;
}

function goIndex(item: unknown, ...indexes: unknown[]): unknown {
  let v = item;
  for (const ix of indexes) {
    switch (kindOf(v)) {
      case 'nil':
        throw new CallError('index of untyped nil');
      case 'slice': {
        const arr = toArray(v);
        v = arr[indexArg(ix, arr.length)];
        break;
      }
      case 'string': {
        const b = Buffer.from(v as string, 'utf8');
        v = b[indexArg(ix, b.length)];
        break;
      }
      case 'map':
        if (v instanceof Map) v = v.get(ix);
        else {
          if (typeof ix !== 'string') {
            throw new CallError(`value has type ${goTypeName(ix)}; should be string`);
          }
          v = indexObject(v as Record<string, unknown>, ix);
        }
        break;
      default:
        throw new CallError(`can't index item of type ${goTypeName(v)}`);
    }
  }
  return v;
}

/**
 * index on a missing key yields the map's zero value. JS objects carry no element type, so
 * infer it the way it matters in practice: an object whose values are all strings (docker's
 * map[string]string label maps) gives "", anything else nil ("<no value>").
 */
function indexObject(obj: Record<string, unknown>, key: string): unknown {
  if (hasOwn(obj, key) && obj[key] !== undefined) return obj[key];
  for (const k of Object.keys(obj)) if (typeof obj[k] !== 'string' && obj[k] !== undefined) return undefined;
  return '';
}

function goSlice(item: unknown, ...indexes: unknown[]): unknown {
  const kind = kindOf(item);
  if (kind === 'nil') throw new CallError('slice of untyped nil');
  if (indexes.length > 3) throw new CallError(`too many slice indexes: ${indexes.length}`);
  let len: number;
  let bytes: Buffer | null = null;
  let arr: unknown[] | null = null;
  if (kind === 'string') {
    if (indexes.length === 3) throw new CallError('cannot 3-index slice a string');
    bytes = Buffer.from(item as string, 'utf8');
    len = bytes.length;
  } else if (kind === 'slice') {
    arr = toArray(item);
    len = arr.length;
  } else throw new CallError(`can't slice item of type ${goTypeName(item)}`);
  const idx = [0, len];
  for (let i = 0; i < indexes.length && i < 2; i++) {
    let x = indexes[i];
    if (typeof x === 'bigint') x = Number(x);
    if (typeof x !== 'number' || !Number.isInteger(x)) {
      throw new CallError(`cannot index slice/array with type ${goTypeName(x)}`);
    }
    if (x < 0 || x > len) throw new CallError(`index out of range: ${x}`);
    idx[i] = x;
  }
  if (idx[0]! > idx[1]!) throw new CallError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (bytes) return bytes.subarray(idx[0], idx[1]).toString('utf8');
  return arr!.slice(idx[0], idx[1]);
}

/** Map each code point through a case mapping, keeping it when the mapping isn't one code point (like Go's unicode.ToUpper). */
function mapRunes(s: string, ascii: RegExp, f: (c: string) => string): string {
  if (ascii.test(s)) return f(s);
  let out = '';
  for (const ch of s) {
    const m = f(ch);
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}
const goUpper = (s: string) => mapRunes(s, /^[\x00-\x7f]*$/, (c) => c.toUpperCase());
const goLower = (s: string) => mapRunes(s, /^[\x00-\x7f]*$/, (c) => c.toLowerCase());

/** strings.Title (deprecated in Go, still what docker uses). */
function goTitle(s: string): string {
  let prevSep = true;
  let out = '';
  for (const ch of s) {
    out += prevSep ? goUpper(ch) : ch;
    const cp = ch.codePointAt(0)!;
    if (cp <= 0x7f) prevSep = !/[0-9A-Za-z_]/.test(ch);
    else if (/[\p{L}\p{Nd}]/u.test(ch)) prevSep = false;
    else prevSep = /\s/u.test(ch);
  }
  return out;
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) =>
    c === '\0' ? '\ufffd' : c === '"' ? '&#34;' : c === "'" ? '&#39;' : c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;',
  );
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (cp < 0x20 || (cp >= 0x7f && !GO_PRINTABLE.test(ch))) out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
    else out += ch;
  }
  return out;
}

function evalArgsString(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return goSprint(args);
}

function dockerJoin(v: unknown, sep: string): string {
  switch (kindOf(v)) {
    case 'nil':
      return '';
    case 'slice':
      return toArray(v).map(goSprintValue).join(sep);
    case 'map': {
      const vals = v instanceof Map ? [...v.values()] : Object.values(v as object).filter((x) => x !== undefined);
      return vals
        .map(goSprintValue)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .join(sep);
    }
  }
  throw new CallError(`expected slice, got ${goTypeName(v)}`);
}

function dockerJson(v: unknown): string {
  try {
    return goJson(v, { escapeHTML: false });
  } catch {
    return ''; // docker ignores the encoder's error and prints what it has: nothing
  }
}

const BUILTINS: Record<string, Builtin> = {
  // Go text/template builtins (and/or are special-cased: they short-circuit)
  not: { params: ['any'], fn: (v: unknown) => !truth(v) },
  len: { params: ['any'], fn: goLen },
  index: { params: ['any'], variadic: 'any', fn: goIndex },
  slice: { params: ['any'], variadic: 'any', fn: goSlice },
  print: { params: [], variadic: 'any', fn: (...a: unknown[]) => goSprint(a) },
  println: { params: [], variadic: 'any', fn: (...a: unknown[]) => goSprintln(a) },
  printf: { params: ['string'], variadic: 'any', fn: (f: string, ...a: unknown[]) => goSprintf(f, a) },
  eq: { params: ['any'], variadic: 'any', fn: eq },
  ne: { params: ['any', 'any'], fn: (a: unknown, b: unknown) => !eq(a, b) },
  lt: { params: ['any', 'any'], fn: lessThan },
  le: { params: ['any', 'any'], fn: (a: unknown, b: unknown) => lessThan(a, b) || eq(a, b) },
  gt: { params: ['any', 'any'], fn: (a: unknown, b: unknown) => !lessThan(a, b) && !eq(a, b) },
  ge: { params: ['any', 'any'], fn: (a: unknown, b: unknown) => !lessThan(a, b) },
  html: { params: [], variadic: 'any', fn: (...a: unknown[]) => htmlEscape(evalArgsString(a)) },
  js: { params: [], variadic: 'any', fn: (...a: unknown[]) => jsEscape(evalArgsString(a)) },
  urlquery: {
    params: [],
    variadic: 'any',
    fn: (...a: unknown[]) => encodeURIComponent(evalArgsString(a)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
  },
  call: {
    params: ['any'],
    variadic: 'any',
    fn: (f: unknown, ...a: unknown[]) => {
      if (f === null || f === undefined) throw new CallError('call of nil');
      if (typeof f !== 'function') throw new CallError(`non-function of type ${goTypeName(f)}`);
      return (f as TemplateFunction)(...a);
    },
  },
  // docker's functions (github.com/docker/cli/templates)
  json: { params: ['any'], fn: dockerJson },
  join: { params: ['any', 'string'], fn: dockerJoin },
  split: {
    params: ['string', 'string'],
    fn: (s: string, sep: string) => (sep === '' ? [...s] : s.split(sep)),
  },
  lower: { params: ['string'], fn: goLower },
  upper: { params: ['string'], fn: goUpper },
  title: { params: ['string'], fn: goTitle },
  pad: {
    params: ['string', 'int', 'int'],
    fn: (s: string, prefix: number, suffix: number) => {
      if (s === '') return s;
      if (prefix < 0 || suffix < 0) throw new CallError('strings: negative Repeat count');
      return ' '.repeat(prefix) + s + ' '.repeat(suffix);
    },
  },
  truncate: {
    params: ['string', 'int'],
    fn: (s: string, n: number) => {
      const b = Buffer.from(s, 'utf8');
      if (b.length < n) return s;
      if (n < 0) throw new CallError(`runtime error: slice bounds out of range [:${n}]`);
      return b.subarray(0, n).toString('utf8');
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Execution

class ExecError extends Error {}

const NO_FINAL: unique symbol = Symbol('no final');
type Final = unknown | typeof NO_FINAL;

const BREAK = 1;
const CONTINUE = 2;

class State {
  readonly out: string[] = [];
  private readonly vars: { name: string; value: unknown }[];
  private node: { pos: number; str: () => string } | null = null;
  private readonly overrides: Record<string, TemplateFunction> | undefined;
  private readonly missingError: boolean;

  constructor(
    private readonly src: string,
    data: unknown,
    private readonly funcs: Record<string, TemplateFunction>,
    opts: RenderOptions,
  ) {
    this.vars = [{ name: '$', value: data }];
    this.overrides = opts.funcs;
    this.missingError = opts.missingKey === 'error';
  }

  private at(n: ArgNode | CommandNode): void {
    this.node = { pos: n.pos, str: () => nodeString(n) };
  }

  private errorf(msg: string): never {
    let loc = ':1:0';
    let ctx = '';
    if (this.node) {
      const before = this.src.slice(0, this.node.pos);
      const nl = before.lastIndexOf('\n');
      const line = before.split('\n').length;
      const col = Buffer.byteLength(nl < 0 ? before : before.slice(nl + 1), 'utf8');
      loc = `:${line}:${col}`;
      ctx = this.node.str();
      if (ctx.length > 20) ctx = ctx.slice(0, 20) + '...';
    }
    throw new ExecError(`template: ${loc}: executing "" at <${ctx}>: ${msg}`);
  }

  // ---- variables
  private lookupVar(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }
  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // ---- walking
  walk(dot: unknown, node: Node): number {
    switch (node.k) {
      case 'text':
        this.out.push(node.text);
        return 0;
      case 'action': {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.out.push(goPrintValue(v));
        return 0;
      }
      case 'list':
        for (const n of node.nodes) {
          const r = this.walk(dot, n);
          if (r) return r;
        }
        return 0;
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const v = this.evalPipeline(dot, node.pipe);
        let r = 0;
        if (truth(v)) r = this.walk(node.k === 'with' ? v : dot, node.list);
        else if (node.elseList) r = this.walk(dot, node.elseList);
        this.vars.length = mark;
        return r;
      }
      case 'range':
        return this.walkRange(dot, node);
      case 'break':
        return BREAK;
      case 'continue':
        return CONTINUE;
    }
  }

  private walkRange(dot: unknown, node: RangeNode): number {
    const mark0 = this.vars.length;
    const val = this.evalPipeline(dot, node.pipe);
    const mark = this.vars.length;
    const decl = node.pipe.decl;
    let iterations = 0;
    let result = 0;
    const one = (key: unknown, elem: unknown): boolean => {
      iterations++;
      if (decl.length > 0) {
        if (node.pipe.isAssign) {
          if (decl.length === 1) this.setVar(decl[0]!, elem);
          else {
            this.setVar(decl[0]!, key);
            this.setVar(decl[1]!, elem);
          }
        } else {
          this.vars[this.vars.length - 1]!.value = elem;
          if (decl.length > 1) this.vars[this.vars.length - 2]!.value = key;
        }
      }
      const r = this.walk(elem, node.list);
      this.vars.length = mark;
      return r === BREAK;
    };
    switch (kindOf(val)) {
      case 'slice': {
        const arr = toArray(val);
        for (let i = 0; i < arr.length; i++) if (one(i, arr[i])) break;
        break;
      }
      case 'map':
        for (const [k, v] of mapEntries(val as object)) if (one(k, v)) break;
        break;
      case 'int': {
        const n = Number(val);
        if (decl.length > 1) {
          this.errorf(`can't use ${n} to iterate over more than one variable`);
        }
        for (let i = 0; i < n; i++) if (one(i, i)) break;
        break;
      }
      case 'nil':
        break;
      default:
        this.errorf(`range can't iterate over ${goSprintValue(val)}`);
    }
    if (iterations === 0 && node.elseList) result = this.walk(dot, node.elseList);
    this.vars.length = mark0;
    return result;
  }

  // ---- evaluation
  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    let value: Final = NO_FINAL;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    if (value === NO_FINAL) value = undefined;
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== NO_FINAL) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.k) {
      case 'field':
        return this.evalFieldChain(dot, dot, first, first.idents, cmd.args, final);
      case 'chain': {
        this.at(first);
        const base = first.node.k === 'pipe' ? this.evalPipeline(dot, first.node) : this.evalArg(dot, first.node);
        return this.evalFieldChain(dot, base, first, first.idents, cmd.args, final);
      }
      case 'identifier':
        return this.evalFunction(dot, first.name, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable': {
        this.at(first);
        const v = this.lookupVar(first.name);
        if (first.idents.length === 0) {
          this.notAFunction(cmd.args, final);
          return v;
        }
        return this.evalFieldChain(dot, v, first, first.idents, cmd.args, final);
      }
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.k) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      case 'number':
      case 'string':
        return first.value;
    }
  }

  private evalArg(dot: unknown, n: ArgNode): unknown {
    this.at(n);
    switch (n.k) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'field':
        return this.evalFieldChain(dot, dot, n, n.idents, [n], NO_FINAL);
      case 'variable': {
        const v = this.lookupVar(n.name);
        return n.idents.length === 0 ? v : this.evalFieldChain(dot, v, n, n.idents, [n], NO_FINAL);
      }
      case 'pipe':
        return this.evalPipeline(dot, n);
      case 'identifier':
        return this.evalFunction(dot, n.name, n, [n], NO_FINAL);
      case 'chain': {
        const base = n.node.k === 'pipe' ? this.evalPipeline(dot, n.node) : this.evalArg(dot, n.node);
        return this.evalFieldChain(dot, base, n, n.idents, [n], NO_FINAL);
      }
      case 'bool':
      case 'number':
      case 'string':
        return n.value;
    }
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: ArgNode,
    idents: string[],
    args: ArgNode[],
    final: Final,
  ): unknown {
    const n = idents.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, idents[i]!, node, [], NO_FINAL, receiver);
    return this.evalField(dot, idents[n - 1]!, node, args, final, receiver);
  }

  private evalField(dot: unknown, name: string, node: ArgNode, args: ArgNode[], final: Final, receiver: unknown): unknown {
    this.at(node);
    const hasArgs = args.length > 1 || final !== NO_FINAL;
    if (receiver === null || receiver === undefined) {
      if (this.missingError) this.errorf(`nil data; no entry for key "${name}"`);
      return undefined;
    }
    const kind = kindOf(receiver);
    if (kind !== 'map') {
      this.errorf(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
    }
    let found: boolean;
    let value: unknown;
    if (receiver instanceof Map) {
      found = receiver.has(name);
      value = receiver.get(name);
    } else {
      const obj = receiver as Record<string, unknown>;
      found = name in obj && (Object.prototype.hasOwnProperty.call(obj, name) || !(name in Object.prototype));
      value = found ? obj[name] : undefined;
    }
    if (typeof value === 'function') {
      const argv = args.slice(1).map((a) => this.evalArg(dot, a));
      if (final !== NO_FINAL) argv.push(final);
      this.at(node);
      try {
        return (value as TemplateFunction).apply(receiver, argv);
      } catch (e) {
        this.errorf(`error calling ${name}: ${(e as Error).message}`);
      }
    }
    if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
    if (!found && this.missingError) this.errorf(`map has no entry for key "${name}"`);
    return value;
  }

  private evalFunction(dot: unknown, name: string, cmd: ArgNode | CommandNode, args: ArgNode[], final: Final): unknown {
    this.at(cmd);
    if (name === 'and' || name === 'or') {
      const n = args.length - 1 + (final !== NO_FINAL ? 1 : 0);
      if (n < 1) this.errorf(`wrong number of args for ${name}: want at least 1 got 0`);
      let v: unknown;
      for (let i = 1; i < args.length; i++) {
        v = this.evalArg(dot, args[i]!);
        if (truth(v) === (name === 'or')) return v;
      }
      if (final !== NO_FINAL) v = final;
      return v;
    }
    const override = this.overrides?.[name] ?? this.funcs[name];
    const argv = args.slice(1).map((a) => this.evalArg(dot, a));
    if (final !== NO_FINAL) argv.push(final);
    this.at(cmd);
    if (override) {
      try {
        return override(...argv);
      } catch (e) {
        this.errorf(`error calling ${name}: ${(e as Error).message}`);
      }
    }
    const b = BUILTINS[name]!;
    const np = b.params.length;
    if (b.variadic ? argv.length < np : argv.length !== np) {
      this.errorf(`wrong number of args for ${name}: want ${b.variadic ? 'at least ' : ''}${np} got ${argv.length}`);
    }
    try {
      for (let i = 0; i < argv.length; i++) argv[i] = checkArg(argv[i], i < np ? b.params[i]! : b.variadic!);
      return b.fn(...argv);
    } catch (e) {
      if (e instanceof ArgError) this.errorf(e.message);
      if (e instanceof ExecError) throw e;
      this.errorf(`error calling ${name}: ${(e as Error).message}`);
    }
  }
}
