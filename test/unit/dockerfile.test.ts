// The Dockerfile's pure parts: lexing, instruction checks, variable substitution, .dockerignore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile, DockerfileError, parseJsonForm, snippet } from '../../src/build/dockerfile.js';
import { toStages, parseTrigger } from '../../src/build/instructions.js';
import { expandHeredoc, expandWord, expandWords, splitRaw, SubstitutionError } from '../../src/build/shell-lex.js';
import { IgnoreMatcher, parseIgnoreFile } from '../../src/build/dockerignore.js';
import { contextPath } from '../../src/build/context.js';

const vars = new Map([['A', 'alpha'], ['EMPTY', ''], ['PATHY', '/usr/local/bin/tool.tar.gz'], ['SP', 'two words']]);
const x = (w: string, escape = '\\') => expandWord(w, vars, { escape });

test('directives, comments, continuations (with comment lines inside) and the escape directive', () => {
  const d = parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\n\nFROM a\nRUN echo one `\n  # dropped\n\n  two\n# comment\nrun lower\n');
  assert.deepEqual(d.directives, { syntax: 'docker/dockerfile:1', escape: '`' });
  assert.equal(d.escape, '`');
  assert.deepEqual(d.instructions.map((i) => [i.keyword, i.args, i.line, i.endLine]), [['FROM', 'a', 4, 4], ['RUN', 'echo one   two', 5, 8], ['RUN', 'lower', 10, 10]]);
  // A directive after an instruction is a comment.
  assert.deepEqual(parseDockerfile('FROM a\n# escape=`\n').directives, {});
  assert.throws(() => parseDockerfile('# escape=x\nFROM a\n'), /invalid escape token/);
  // An escaped escape character does not continue the line.
  assert.equal(parseDockerfile('FROM a\nRUN echo \\\\\nRUN b\n').instructions.length, 3);
});

test('here-documents: several per instruction, <<- strips tabs, quoted names do not expand', () => {
  const d = parseDockerfile('FROM a\nCOPY <<one <<"two" /dst/\nfirst $A\none\nsecond $A\ntwo\nRUN <<-EOF\n\techo tabbed\n\tEOF\n');
  const copy = d.instructions[1];
  assert.deepEqual(copy.heredocs, [{ name: 'one', content: 'first $A\n', expand: true }, { name: 'two', content: 'second $A\n', expand: false }]);
  assert.equal(copy.endLine, 6);
  assert.deepEqual(d.instructions[2].heredocs, [{ name: 'EOF', content: 'echo tabbed\n', expand: true }]);
  assert.throws(() => parseDockerfile('FROM a\nRUN <<EOF\nno end\n'), (e: unknown) => e instanceof DockerfileError && e.line === 2 && /unterminated heredoc EOF/.test(e.message));
});

test('instructions: flags, JSON forms, stages, and the errors docker gives', () => {
  const df = toStages(parseDockerfile('ARG V=1\nFROM base:${V} AS Build\nCOPY --from=x --chown=1:2 a b\nRUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t make\nCMD ["a b", "c"]\nFROM build\n'));
  assert.equal(df.globalArgs.length, 1);
  assert.deepEqual(df.stages.map((s) => [s.name, s.base]), [['build', 'base:${V}'], [undefined, 'build']]);
  const [copy, run, cmd] = df.stages[0].instructions;
  assert.equal(copy.flags.get('from'), 'x');
  assert.equal(copy.flags.get('chown'), '1:2');
  assert.equal(copy.args, 'a b');
  assert.deepEqual(run.flags.all('mount'), ['type=cache,target=/c', 'type=tmpfs,target=/t']);
  assert.equal(run.args, 'make');
  assert.deepEqual(cmd.json, ['a b', 'c']);
  assert.equal(parseJsonForm('[not json'), undefined);
  const fails = (text: string, re: RegExp) => assert.throws(() => toStages(parseDockerfile(text)), re, text);
  fails('FROM a\nFOO bar\n', /unknown instruction: FOO/);
  fails('FROM a\nRUN --bogus=1 x\n', /unknown flag: bogus/);
  fails('FROM a\nCOPY --chown a b\n', /missing a value on flag: chown/);
  fails('FROM a\nCOPY onlyone\n', /COPY requires at least two arguments/);
  fails('FROM a b\n', /FROM requires either one or three arguments/);
  fails('FROM a AS x\nFROM b AS X\n', /duplicate stage name "x"/);
  fails('ENV A=1\nFROM a\n', /no build stage in current context/);
  fails('FROM a\nSHELL sh -c\n', /SHELL requires the arguments to be in JSON form/);
  fails('FROM a\nHEALTHCHECK RUN x\n', /Unknown type "RUN" in HEALTHCHECK/);
  fails('FROM a\nONBUILD ONBUILD RUN x\n', /Chaining ONBUILD/);
  fails('# nothing\n', /no FROM instruction/);
  assert.equal(parseTrigger('run echo hi', 4).keyword, 'RUN');
});

test('variable substitution as docker does it', () => {
  assert.equal(x('$A-${A}'), 'alpha-alpha');
  assert.equal(x('${MISSING:-def} ${EMPTY:-def} ${EMPTY-def} ${MISSING-def}'), 'def def  def');
  assert.equal(x('${A:+set} ${EMPTY:+set} ${EMPTY+set} ${MISSING+set}'), 'set  set ');
  assert.equal(x('${MISSING:-${A}}'), 'alpha');
  assert.equal(x("'$A' \"$A\" \\$A"), '$A alpha $A');
  assert.equal(x('"a \\"quoted\\" \\$A"'), 'a "quoted" $A');
  assert.equal(x('${PATHY#*/} ${PATHY##*/} ${PATHY%.*} ${PATHY%%.*}'), 'usr/local/bin/tool.tar.gz tool.tar.gz /usr/local/bin/tool.tar /usr/local/bin/tool');
  assert.equal(x('${A/l/L} ${A//a/A}'), 'aLpha AlphA');
  assert.equal(x('cost: $ 5 $'), 'cost: $ 5 $');
  assert.equal(x('`$A', '`'), '$A');
  assert.throws(() => x('${MISSING:?is required}'), (e: unknown) => e instanceof SubstitutionError && /MISSING: is required/.test(e.message));
  assert.throws(() => x('${A'), /missing '}'/);
  assert.throws(() => x("'open"), /matching single-quote/);
  assert.deepEqual(expandWords('a "b c" $SP \'$SP\'', vars, { escape: '\\' }), ['a', 'b c', 'two', 'words', '$SP']);
  assert.deepEqual(splitRaw('A=1 B="x y" C=\'$z\'', '\\'), ['A=1', 'B="x y"', "C='$z'"]);
  assert.equal(expandHeredoc('say "$A" \\$A \'$SP\'\n', vars, { escape: '\\' }), 'say "alpha" $A \'two words\'\n');
  const used = new Set<string>();
  expandWord('${A} $B ${C:-x}', vars, { escape: '\\', used });
  assert.deepEqual([...used].sort(), ['A', 'B', 'C']);
});

test('.dockerignore: docker\'s pattern rules', () => {
  const m = new IgnoreMatcher(parseIgnoreFile('# comment\n\n*.md\n!README.md\n**/*.tmp\n/build\nnode_modules/\ndocs/**/draft*\n  spaced.txt  \n'));
  const cases: Array<[string, boolean]> = [
    ['notes.md', true], ['README.md', false], ['sub/notes.md', false], ['a.tmp', true], ['x/y/z.tmp', true],
    ['build', true], ['build/out.js', true], ['src/build', false], ['node_modules/x/index.js', true],
    ['docs/draft1', true], ['docs/a/b/draft2', true], ['docs/final', false], ['spaced.txt', true], ['main.ts', false],
  ];
  for (const [p, want] of cases) assert.equal(m.ignored(p), want, p);
  // Exceptions re-include below an excluded directory.
  const n = new IgnoreMatcher(parseIgnoreFile('vendor\n!vendor/keep\n'));
  assert.equal(n.ignored('vendor/drop'), true);
  assert.equal(n.ignored('vendor/keep'), false);
  assert.ok(n.hasExclusions);
  assert.equal(new IgnoreMatcher(parseIgnoreFile('[a-c].txt\nf?le\n')).ignored('b.txt'), true);
  assert.equal(new IgnoreMatcher(parseIgnoreFile('[a-c].txt\nf?le\n')).ignored('file'), true);
});

test('context paths: cleaned, and refused when they leave the context', () => {
  assert.equal(contextPath('./a/../b/'), 'b');
  assert.equal(contextPath('/abs/file'), 'abs/file');
  assert.equal(contextPath('.'), '');
  assert.throws(() => contextPath('../x'), /forbidden path outside the build context: \.\.\/x/);
  assert.throws(() => contextPath('a/../../x'), /outside the build context/);
});

test('error snippets mark the failing lines', () => {
  const s = snippet('Dockerfile', ['FROM a', 'RUN one', 'RUN two \\', '  three', 'CMD x'], 3, 4);
  assert.equal(s, ['Dockerfile:3-4', '--------------------', '   1 |     FROM a', '   2 |     RUN one', '   3 | >>> RUN two \\', '   4 | >>>   three', '   5 |     CMD x', '--------------------'].join('\n'));
});
