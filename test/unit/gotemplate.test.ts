import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  goJson,
  goQuote,
  goSprintf,
  parseTemplate,
  renderTemplate,
  TemplateError,
} from '../../src/util/gotemplate.js';

// A container as `docker inspect` shows it (trimmed), used by the doc examples below.
const container = {
  Id: '3b2cbf074c99db4a0cad35966a9e24d7bc277f5565c17233386589029b7db273',
  Name: '/database',
  Args: ['redis-server', '--appendonly', 'yes'],
  Image: 'redis:7-alpine',
  LogPath: '/var/lib/docker/containers/3b2c/3b2c-json.log',
  SizeRootFs: 123125760,
  SizeRw: 8192,
  Config: { Image: 'redis', Env: ['PATH=/usr/bin', 'A=<b>&c'], Labels: { 'com.example.tier': 'cache', 'com.example.app': 'shop' } },
  NetworkSettings: {
    Ports: {
      '6379/tcp': [{ HostIp: '0.0.0.0', HostPort: '6380' }],
      '8787/tcp': [{ HostIp: '0.0.0.0', HostPort: '49153' }],
      '9999/udp': null,
    },
    Networks: {
      bridge: { IPAddress: '172.17.0.2', MacAddress: '02:42:ac:11:00:02' },
    },
  },
  Mounts: [] as unknown[],
};

const r = (src: string, data: unknown = container) => renderTemplate(src, data);

function throwsTemplate(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TemplateError, `expected TemplateError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('gotemplate: docker documentation examples', () => {
  it('inspect field lookups', () => {
    assert.equal(r('{{.LogPath}}'), '/var/lib/docker/containers/3b2c/3b2c-json.log');
    assert.equal(r('{{.Config.Image}}'), 'redis');
    assert.equal(r('{{ .SizeRootFs }}'), '123125760');
    assert.equal(r('{{ .SizeRw }}'), '8192');
  });

  it('IP and MAC address via range over a map', () => {
    assert.equal(r('{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'), '172.17.0.2');
    assert.equal(r('{{range .NetworkSettings.Networks}}{{.MacAddress}}{{end}}'), '02:42:ac:11:00:02');
  });

  it('lists all port bindings (range with key/value, with/else, index)', () => {
    assert.equal(
      r('{{range $p, $conf := .NetworkSettings.Ports}} {{$p}} -> {{with $conf}}{{(index . 0).HostPort}}{{else}}none{{end}} {{end}}'),
      ' 6379/tcp -> 6380  8787/tcp -> 49153  9999/udp -> none ',
    );
  });

  it('finds a specific port mapping with nested index', () => {
    assert.equal(r('{{(index (index .NetworkSettings.Ports "8787/tcp") 0).HostPort}}'), '49153');
  });

  it('json of a subsection: compact, insertion order, no HTML escaping', () => {
    assert.equal(
      r('{{json .Config}}'),
      '{"Image":"redis","Env":["PATH=/usr/bin","A=<b>&c"],"Labels":{"com.example.tier":"cache","com.example.app":"shop"}}',
    );
    assert.equal(r('{{json .Mounts}}'), '[]');
  });

  it('formatting.md functions', () => {
    assert.equal(r('{{join .Args " , "}}'), 'redis-server , --appendonly , yes');
    assert.equal(r('{{split .Image ":"}}'), '[redis 7-alpine]');
    assert.equal(r('{{lower "DataBase"}}'), 'database');
    assert.equal(r('{{upper .Name}}'), '/DATABASE');
    assert.equal(r('{{title .Name}}'), '/Database');
    assert.equal(r('{{pad .Image 5 10}}'), '     redis:7-alpine          ');
    assert.equal(r('{{truncate .Image 5}}'), 'redis');
    assert.equal(r('{{range .NetworkSettings.Networks}}{{println .IPAddress}}{{end}}'), '172.17.0.2\n');
  });
});

describe('gotemplate: fields, variables, pipelines', () => {
  const data = {
    A: { B: { C: 'deep' } },
    Labels: { foo: 'bar', 'with.dot': 'x' },
    S: 'str',
    N: 42,
    L: ['x', 'y', 'z'],
    Nil: null,
    Label(this: { Labels: Record<string, string> }, k: string) {
      return this.Labels[k] ?? '';
    },
  };

  it('dot, root and nested fields', () => {
    assert.equal(r('{{.A.B.C}}', data), 'deep');
    assert.equal(r('{{.Labels.foo}}', data), 'bar');
    assert.equal(r('{{.}}', 'plain'), 'plain');
    assert.equal(r('{{$}}', 7), '7');
    assert.equal(r('{{range .L}}{{$.S}}{{end}}', data), 'strstrstr');
    assert.equal(r('{{with .A}}{{.B.C}}{{end}}', data), 'deep');
  });

  it('missing keys and nil render <no value>', () => {
    assert.equal(r('{{.Missing}}', data), '<no value>');
    assert.equal(r('{{.Missing.Deeper}}', data), '<no value>');
    assert.equal(r('{{.Nil}}', data), '<no value>');
    assert.equal(renderTemplate('{{.}}', undefined), '<no value>');
    assert.equal(r('{{index .Labels "with.dot"}}', data), 'x');
  });

  it('missingKey=error fails like Go', () => {
    throwsTemplate(
      () => parseTemplate('{{.Nope}}').render(data, { missingKey: 'error' }),
      'template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"',
    );
  });

  it('function-valued properties are called like methods', () => {
    assert.equal(r('{{.Label "foo"}}', data), 'bar');
    assert.equal(r('{{"foo" | .Label}}', data), 'bar');
    assert.equal(r('{{.Label "nope"}}|', data), '|');
  });

  it('variables: declare, assign, scope', () => {
    assert.equal(r('{{$x := .N}}{{$x}}', data), '42');
    assert.equal(r('{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}', data), '2');
    assert.equal(r('{{$x := .A}}{{$x.B.C}}', data), 'deep');
    assert.equal(r('{{with $v := .S}}{{$v}}{{.}}{{end}}', data), 'strstr');
    throwsTemplate(() => parseTemplate('{{if true}}{{$y := 1}}{{end}}{{$y}}'), 'template parsing error: template: :1: undefined variable "$y"');
    throwsTemplate(() => parseTemplate('{{$z = 1}}'), 'template parsing error: template: :1: undefined variable "$z"');
  });

  it('pipelines pass the value as the last argument', () => {
    assert.equal(r('{{.S | upper}}', data), 'STR');
    assert.equal(r('{{.S | upper | printf "%s!"}}', data), 'STR!');
    assert.equal(r('{{"-" | join .L}}', data), 'x-y-z');
    assert.equal(r('{{.L | len}}', data), '3');
  });

  it('parenthesised calls and chained fields', () => {
    assert.equal(r('{{printf "%d-%s" (len .L) (upper "x")}}', data), '3-X');
    assert.equal(r('{{(.A).B.C}}', data), 'deep');
    assert.equal(r('{{(index .L 1)}}', data), 'y');
  });

  it('parse once, render many', () => {
    const t = parseTemplate('{{.ID}}:{{.Name}}');
    const out = [];
    for (let i = 0; i < 300; i++) out.push(t.render({ ID: i, Name: `n${i}` }));
    assert.equal(out.length, 300);
    assert.equal(out[0], '0:n0');
    assert.equal(out[299], '299:n299');
    assert.equal(t.source, '{{.ID}}:{{.Name}}');
  });
});

describe('gotemplate: control structures', () => {
  const d = { N: 3, S: '', L: ['a', 'b', 'c'], M: { b: 2, a: 1, c: 3 }, E: [] as string[], O: {} };

  it('if / else if / else', () => {
    const t = parseTemplate('{{if eq .N 1}}one{{else if eq .N 3}}three{{else}}other{{end}}');
    assert.equal(t.render({ N: 1 }), 'one');
    assert.equal(t.render({ N: 3 }), 'three');
    assert.equal(t.render({ N: 5 }), 'other');
  });

  it('truthiness follows Go (empty string/slice/map, zero, nil are false)', () => {
    const t = parseTemplate('{{if .}}T{{else}}F{{end}}');
    const cases: [unknown, string][] = [
      ['', 'F'],
      ['x', 'T'],
      [0, 'F'],
      [0.5, 'T'],
      [[], 'F'],
      [[0], 'T'],
      [{}, 'F'],
      [{ a: 1 }, 'T'],
      [null, 'F'],
      [false, 'F'],
      [true, 'T'],
    ];
    for (const [v, want] of cases) assert.equal(t.render(v), want, JSON.stringify(v));
  });

  it('with / else with', () => {
    assert.equal(r('{{with .S}}x{{else}}empty{{end}}', d), 'empty');
    assert.equal(r('{{with .Missing}}a{{else with .L}}{{index . 0}}{{end}}', d), 'a');
  });

  it('range over slices, maps (sorted keys), ints; else; break/continue', () => {
    assert.equal(r('{{range .L}}[{{.}}]{{end}}', d), '[a][b][c]');
    assert.equal(r('{{range $i, $v := .L}}{{$i}}={{$v}} {{end}}', d), '0=a 1=b 2=c ');
    assert.equal(r('{{range $v := .L}}{{$v}}{{end}}', d), 'abc');
    assert.equal(r('{{range $k, $v := .M}}{{$k}}:{{$v}},{{end}}', d), 'a:1,b:2,c:3,');
    assert.equal(r('{{range .M}}{{.}}{{end}}', d), '123');
    assert.equal(r('{{range .E}}x{{else}}none{{end}}', d), 'none');
    assert.equal(r('{{range .O}}x{{else}}none{{end}}', d), 'none');
    assert.equal(r('{{range .Missing}}x{{else}}none{{end}}', d), 'none');
    assert.equal(r('{{range 3}}{{.}}{{end}}', d), '012');
    assert.equal(r('{{range .L}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}', d), 'a');
    assert.equal(r('{{range .L}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}', d), 'ac');
    assert.equal(r('{{range $i, $x := .L}}{{range $.L}}{{$i}}{{end}}|{{end}}', d), '000|111|222|');
  });

  it('range over a string is an error', () => {
    throwsTemplate(() => r('{{range .}}x{{end}}', 'abc'), /range can't iterate over abc$/);
  });

  it('trim markers and comments', () => {
    assert.equal(r('a  {{- 1 -}}  b'), 'a1b');
    assert.equal(r('a\n\t{{- 1}}\n'), 'a1\n');
    assert.equal(r('{{1 -}}\n\n  b'), '1b');
    assert.equal(r('{{-3}}'), '-3');
    assert.equal(r('a{{/* a comment */}}b'), 'ab');
    assert.equal(r('a {{- /* trimmed */ -}} b'), 'ab');
    assert.equal(r('x{{/* multi\nline */}}y'), 'xy');
  });

  it('actions may span lines', () => {
    assert.equal(r('{{if\n  eq 1 1\n}}yes{{end}}'), 'yes');
  });
});

describe('gotemplate: literals and printing', () => {
  it('string, raw string, char and number literals', () => {
    assert.equal(r('{{"a\\tb\\u00e9\\x41\\n"}}'), 'a\tbéA\n');
    assert.equal(r('{{`a\\tb`}}'), 'a\\tb');
    assert.equal(r("{{'a'}}"), '97');
    assert.equal(r('{{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}} {{1e3}} {{1.5}} {{-2}} {{+4}}'), '31 15 15 5 1000 1000 1.5 -2 4');
    assert.equal(r('{{true}} {{false}}'), 'true false');
  });

  it('prints values like Go fmt', () => {
    assert.equal(r('{{.}}', ['a', 'b', 'c']), '[a b c]');
    assert.equal(r('{{.}}', [1, null, 'x', [2, 3]]), '[1 <nil> x [2 3]]');
    assert.equal(r('{{.}}', { z: 1, a: 'x', m: { k: [true] } }), 'map[a:x m:map[k:[true]] z:1]');
    assert.equal(r('{{.}}', []), '[]');
    assert.equal(r('{{.}}', {}), 'map[]');
    assert.equal(r('{{.}}', new Map([[2, 'b'], [10, 'a']])), 'map[2:b 10:a]');
    assert.equal(r('{{.}}', new Date(Date.UTC(2021, 2, 4, 2, 24, 42))), '2021-03-04 02:24:42 +0000 UTC');
  });

  it('numbers: integers as ints, others as Go float64 %v', () => {
    const cases: [number, string][] = [
      [3, '3'],
      [-7, '-7'],
      [123125760, '123125760'],
      [9007199254740993, '9007199254740992'],
      [0.1, '0.1'],
      [1.5, '1.5'],
      [2.5e6 + 0.5, '2.5000005e+06'],
      [1e-7, '1e-07'],
      [0.0001, '0.0001'],
      [123456.5, '123456.5'],
      [-0.25, '-0.25'],
    ];
    for (const [v, want] of cases) assert.equal(r('{{.}}', v), want);
  });
});

describe('gotemplate: builtin functions', () => {
  const d = { L: ['a', 'b', 'c'], M: { k: 'v', j: 'w' }, N: 3, S: 'héllo' };

  it('index, len, slice', () => {
    assert.equal(r('{{index .L 1}}', d), 'b');
    assert.equal(r('{{index .M "k"}}', d), 'v');
    assert.equal(r('{{index .M "nope"}}|', d), '|'); // zero value of a string map
    assert.equal(r('{{index .}}|', { x: [1] }), 'map[x:[1]]|');
    assert.equal(r('{{index "abc" 1}}'), '98');
    assert.equal(r('{{len .L}} {{len .M}} {{len .S}}', d), '3 2 6');
    assert.equal(r('{{slice .L 1}} {{slice .L 1 2}} {{slice "hello" 1 3}}', d), '[b c] [b] el');
    throwsTemplate(() => r('{{index .L 5}}', d), 'template parsing error: template: :1:2: executing "" at <index .L 5>: error calling index: index out of range: 5');
    throwsTemplate(() => r('{{len .N}}', d), /error calling len: len of type int$/);
  });

  it('print, println, printf', () => {
    assert.equal(r('{{print 1 2 "a" 3 "b" "c"}}'), '1 2a3bc');
    assert.equal(r('{{println "a" 1 2}}'), 'a 1 2\n');
    assert.equal(r('{{print .Missing}}'), '<nil>');
    assert.equal(r('{{printf "%s=%d" "n" 5}}'), 'n=5');
    assert.equal(r('{{printf "%-10s|%10s|" "left" "right"}}'), 'left      |     right|');
    assert.equal(r('{{printf "%v %q %t" .L "hi" true}}', d), '[a b c] "hi" true');
    assert.equal(r('{{printf "%q" .L}}', d), '["a" "b" "c"]');
  });

  it('comparison and logic', () => {
    assert.equal(r('{{eq 1 1}} {{eq "a" "b"}} {{eq .N 1 2 3}} {{ne "a" "b"}}', d), 'true false true true');
    assert.equal(r('{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}} {{lt 1.5 2}}'), 'true true true false true');
    assert.equal(r('{{eq .Missing .AlsoMissing}} {{eq .Missing "x"}}'), 'true false');
    assert.equal(r('{{and 1 0 2}} {{and 1 2}} {{or 0 "" "x"}} {{or 0 ""}}|'), '0 2 x |');
    assert.equal(r('{{not 0}} {{not "x"}}'), 'true false');
    // and/or stop evaluating once the result is known
    assert.equal(r('{{and false (index .L 99)}} {{or true (index .L 99)}}', d), 'false true');
    throwsTemplate(() => r('{{eq "a" 1}}'), /error calling eq: incompatible types for comparison$/);
    throwsTemplate(() => r('{{lt true false}}'), /error calling lt: invalid type for comparison$/);
  });

  it('html, js, urlquery', () => {
    assert.equal(r(`{{html "<a href='x'>&"}}`), '&lt;a href=&#39;x&#39;&gt;&amp;');
    assert.equal(r('{{urlquery "a b&c"}}'), 'a+b%26c');
    assert.equal(r(`{{js "it's <b>"}}`), "it\\'s \\u003Cb\\u003E");
  });
});

describe('gotemplate: docker functions', () => {
  it('json: Go encoding, HTML left alone, special characters escaped', () => {
    const v = { a: '<b>&', n: 1.5, i: 10, arr: [], o: {}, nul: null, t: true, s: 'q"\\\n\t\u0001\u2028' };
    assert.equal(r('{{json .}}', v), '{"a":"<b>&","n":1.5,"i":10,"arr":[],"o":{},"nul":null,"t":true,"s":"q\\"\\\\\\n\\t\\u0001\\u2028"}');
    assert.equal(r('{{json .Missing}}'), 'null');
    assert.equal(r('{{json "x"}}'), '"x"');
    assert.equal(r('{{json .}}', new Date(Date.UTC(2021, 2, 4, 2, 24, 42, 500))), '"2021-03-04T02:24:42.5Z"');
    assert.equal(r('{{json .}}', { skip: undefined, keep: 1 }), '{"keep":1}');
  });

  it('join: strings, other slices, map values sorted, nil', () => {
    assert.equal(r('{{join . ", "}}', ['a', 'b']), 'a, b');
    assert.equal(r('{{join . "-"}}', [1, 2.5, true]), '1-2.5-true');
    assert.equal(r('{{join . ","}}', { x: 'zeta', y: 'alpha' }), 'alpha,zeta');
    assert.equal(r('{{join .Missing ","}}|'), '|');
    throwsTemplate(() => r('{{join . ","}}', 5), /error calling join: expected slice, got int$/);
  });

  it('split', () => {
    assert.equal(r('{{split "a,b,,c" ","}}'), '[a b  c]');
    assert.equal(r('{{split "abc" ""}}'), '[a b c]');
    assert.equal(r('{{index (split "nginx:1.25" ":") 1}}'), '1.25');
    assert.equal(r('{{len (split "" ",")}}'), '1');
  });

  it('lower, upper, title (Go rune-wise semantics)', () => {
    assert.equal(r('{{upper "straße"}}'), 'STRAßE');
    assert.equal(r('{{lower "ÀB"}}'), 'àb');
    assert.equal(r('{{title "hello wide-world foo_bar 3d"}}'), 'Hello Wide-World Foo_bar 3d');
  });

  it('pad and truncate', () => {
    assert.equal(r('[{{pad "x" 2 3}}]'), '[  x   ]');
    assert.equal(r('[{{pad "" 2 3}}]'), '[]');
    assert.equal(r('{{truncate "abcdef" 3}}'), 'abc');
    assert.equal(r('{{truncate "abc" 3}}'), 'abc');
    assert.equal(r('{{truncate "ab" 3}}'), 'ab');
  });

  it('type errors say what Go says', () => {
    throwsTemplate(() => r('{{upper .}}', 5), 'template parsing error: template: :1:2: executing "" at <upper .>: wrong type for value; expected string; got int');
    throwsTemplate(() => r('{{truncate "x" "y"}}'), /wrong type for value; expected int; got string$/);
    throwsTemplate(() => r('{{join .}}', ['a']), /wrong number of args for join: want 2 got 1$/);
    throwsTemplate(() => r('{{upper .Missing}}'), /invalid value; expected string$/);
  });

  it('function overrides at parse and render time', () => {
    assert.equal(renderTemplate('{{double 21}}', null, { funcs: { double: (n: number) => n * 2 } }), '42');
    const t = parseTemplate('{{upper .}}');
    assert.equal(t.render('abc', { funcs: { upper: (s: string) => `<${s}>` } }), '<abc>');
    assert.equal(t.render('abc'), 'ABC');
  });
});

describe('gotemplate: errors', () => {
  const parseErrors: [string, string][] = [
    ['{{.Foo', 'unclosed action'],
    ['{{.Foo}', "bad character U+007D '}'"],
    ['{{end}}', 'unexpected {{end}}'],
    ['{{else}}', 'unexpected {{else}}'],
    ['{{if .X}}', 'unexpected EOF'],
    ['{{if .X}}a{{else}}b{{else}}c{{end}}', 'expected end; found {{else}}'],
    ['{{foo .X}}', 'function "foo" not defined'],
    ['{{3abc}}', 'bad number syntax: "3a"'],
    ['{{"abc}}', 'unterminated quoted string'],
    ['{{`abc}}', 'unterminated raw quoted string'],
    ['{{(.A}}', 'unclosed left paren'],
    ['{{/* x', 'unclosed comment'],
    ['{{/* x */ .A}}', 'comment ends before closing delimiter'],
    ['{{}}', 'missing value for command'],
    ['{{if}}{{end}}', 'missing value for if'],
    ['{{.A | 3}}', 'non executable command in pipeline stage 2'],
    ['{{break}}', '{{break}} outside {{range}}'],
    ['{{.A "x"y}}', 'unexpected "y" in operand'],
    ['{{"x".A}}', 'unexpected . after term "\\"x\\""'],
  ];
  for (const [src, msg] of parseErrors) {
    it(`parse error: ${src}`, () => {
      throwsTemplate(() => parseTemplate(src), `template parsing error: template: :1: ${msg}`);
    });
  }

  it('reports the line of a parse error', () => {
    throwsTemplate(() => parseTemplate('line1\n{{.A}}\n{{nope}}'), 'template parsing error: template: :3: function "nope" not defined');
  });

  it('execution errors carry position, context and the partial output', () => {
    try {
      r('ok {{.Labels.foo}}', { Labels: 'a=b' });
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof TemplateError);
      assert.equal(e.message, 'template parsing error: template: :1:12: executing "" at <.Labels.foo>: can\'t evaluate field foo in type string');
      assert.equal(e.partial, 'ok ');
    }
    throwsTemplate(() => r('{{.A}}\n {{.B 1}}', { A: 1, B: 2 }), 'template parsing error: template: :2:3: executing "" at <.B>: B is not a method but has arguments');
    throwsTemplate(() => r('{{.L.X}}', { L: [1] }), /can't evaluate field X in type \[\]interface \{\}$/);
    throwsTemplate(() => r('{{(1) 2}}'), /can't give argument to non-function 1$/);
  });

  it('long contexts are cut at 20 characters', () => {
    throwsTemplate(() => r('{{index .Something.Long 99}}', { Something: { Long: [] } }), /at <index \.Something\.Lon\.\.\.>: error calling index: index out of range: 99$/);
  });
});

describe('printf (fmt.Sprintf semantics)', () => {
  const cases: [string, unknown[], string][] = [
    ['%d|%5d|%-5d|%05d|%+d|% d', [42, 42, 42, -42, 42, 42], '42|   42|42   |-0042|+42| 42'],
    ['%x %X %o %O %b %#x %#o', [255, 255, 8, 8, 5, 255, 8], 'ff FF 10 0o10 101 0xff 010'],
    ['%c %U %q', [65, 0x1f600, 97], "A U+1F600 'a'"],
    ['%f %.2f %8.3f %-8.1f| %e %E %g %G', [3.14159, 3.14159, 3.14159, 2.5, 123456.789, 0.000123, 1e-7, 1e21], '3.141590 3.14    3.142 2.5     | 1.234568e+05 1.230000E-04 1e-07 1E+21'],
    ['%.0f %.0f %.0f %.1f', [0.5, 1.5, 2.5, 0.25], '0 2 2 0.2'],
    ['%g %g %v', [100000, 1000000.5, 0.000012345], '100000 1.0000005e+06 1.2345e-05'],
    ['%s|%10s|%-10s|%.2s|%q|%x', ['go', 'go', 'go', 'golang', 'a"b\n', 'hi'], 'go|        go|go        |go|"a\\"b\\n"|6869'],
    ['%v %v %v %v', [true, null, [1, 'a'], { b: 1, a: [2] }], 'true <nil> [1 a] map[a:[2] b:1]'],
    ['%t %s %d', ['x', 5, 'y'], '%!t(string=x) %!s(int=5) %!d(string=y)'],
    ['%d %d', [1], '1 %!d(MISSING)'],
    ['%d', [1, 'x', 2], '1%!(EXTRA string=x, int=2)'],
    ['100%% %T %T %T %T %T', [1, 1.5, 's', [], {}], '100% int float64 string []interface {} map[string]interface {}'],
    ['%*d|%-*d|', [5, 1, 3, 2], '    1|2  |'],
    ['%s %v', [null, undefined], '%!s(<nil>) <nil>'],
    ['%', [], '%!(NOVERB)'],
    ['%6.2f%%', [99.5], ' 99.50%'],
  ];
  for (const [fmt, args, want] of cases) {
    it(`${fmt} ${JSON.stringify(args)}`, () => assert.equal(goSprintf(fmt, args), want));
  }
  it('is reachable from templates', () => {
    assert.equal(r('{{printf "%-12s%6.1f%%" .Name .CPU}}', { Name: 'web', CPU: 12.34 }), 'web           12.3%');
  });
});

describe('goJson / goQuote', () => {
  it('escapes HTML by default like json.Marshal', () => {
    assert.equal(goJson({ a: '<x>&' }), '{"a":"\\u003cx\\u003e\\u0026"}');
    assert.equal(goJson({ a: '<x>&' }, { escapeHTML: false }), '{"a":"<x>&"}');
  });

  it('indents like json.MarshalIndent (empty containers stay compact)', () => {
    assert.equal(
      goJson({ a: 1, b: [1, 2], c: {}, d: [], e: { f: null } }, { indent: '    ' }),
      '{\n    "a": 1,\n    "b": [\n        1,\n        2\n    ],\n    "c": {},\n    "d": [],\n    "e": {\n        "f": null\n    }\n}',
    );
  });

  it('handles Maps (sorted), Uint8Array (base64), bigint, surrogates', () => {
    assert.equal(goJson(new Map([['b', 1], ['a', 2]])), '{"a":2,"b":1}');
    assert.equal(goJson(new Uint8Array([1, 2, 3])), '"AQID"');
    assert.equal(goJson(12345678901234567890n), '12345678901234567890');
    assert.equal(goJson('\ud83d\ude00 \ud800'), '"😀 \\ufffd"');
    assert.equal(goJson('\b\f'), '"\\b\\f"');
  });

  it('rejects NaN and cycles', () => {
    assert.throws(() => goJson(NaN), /json: unsupported value: NaN/);
    const o: Record<string, unknown> = {};
    o.self = o;
    assert.throws(() => goJson(o), /cycle/);
  });

  it('goQuote follows strconv.Quote', () => {
    assert.equal(goQuote('a"b\\c\n\t\x01é\u200b'), '"a\\"b\\\\c\\n\\t\\x01é\\u200b"');
  });
});
