import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldToHeader, formatInspect, formatList, inspectOutput } from '../../src/cli/format.js';
import { TemplateError } from '../../src/util/gotemplate.js';
import { tabwrite, tabwriteText, displayWidth } from '../../src/util/table.js';

interface ImageRow {
  ID: string;
  Repository: string;
  Tag: string;
  CreatedSince: string;
  Size: string;
}

// The images from docker's `docker images --format` documentation.
const docImages: ImageRow[] = [
  ['77af4d6b9913', '<none>', '<none>'],
  ['b6fa739cedf5', 'committ', 'latest'],
  ['78a85c484f71', '<none>', '<none>'],
  ['30557a29d5ab', 'docker', 'latest'],
  ['5ed6274db6ce', '<none>', '<none>'],
  ['746b819f315e', 'postgres', '9'],
  ['746b819f315e', 'postgres', '9.3'],
  ['746b819f315e', 'postgres', '9.3.5'],
  ['746b819f315e', 'postgres', 'latest'],
].map(([ID, Repository, Tag]) => ({ ID: ID!, Repository: Repository!, Tag: Tag!, CreatedSince: '5 weeks ago', Size: '1.09MB' }));

const DEFAULT_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
const HEADERS = { ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Size: 'SIZE' };

const list = (format: string | undefined, rows: unknown[] = docImages) =>
  formatList({ format, rows, defaultTable: DEFAULT_TABLE, headers: HEADERS });

describe('formatList', () => {
  it('custom template: one line per row, no header, no alignment (docs example)', () => {
    assert.equal(
      list('{{.ID}}: {{.Repository}}'),
      [
        '77af4d6b9913: <none>',
        'b6fa739cedf5: committ',
        '78a85c484f71: <none>',
        '30557a29d5ab: docker',
        '5ed6274db6ce: <none>',
        '746b819f315e: postgres',
        '746b819f315e: postgres',
        '746b819f315e: postgres',
        '746b819f315e: postgres',
        '',
      ].join('\n'),
    );
  });

  it('table template with a shell-style \\t: header + tabwriter (docs example)', () => {
    assert.equal(
      list('table {{.ID}}\\t{{.Repository}}\\t{{.Tag}}'),
      [
        'IMAGE ID       REPOSITORY   TAG',
        '77af4d6b9913   <none>       <none>',
        'b6fa739cedf5   committ      latest',
        '78a85c484f71   <none>       <none>',
        '30557a29d5ab   docker       latest',
        '5ed6274db6ce   <none>       <none>',
        '746b819f315e   postgres     9',
        '746b819f315e   postgres     9.3',
        '746b819f315e   postgres     9.3.5',
        '746b819f315e   postgres     latest',
        '',
      ].join('\n'),
    );
  });

  it('no format, empty format and bare "table" give the default table', () => {
    const rows = [
      { Repository: 'alpine', Tag: 'latest', ID: '28f6e2705743', CreatedSince: '2 weeks ago', Size: '5.61MB' },
      { Repository: 'ubuntu', Tag: '22.04', ID: '4dd97cefde62', CreatedSince: '5 days ago', Size: '72.9MB' },
    ];
    const want = [
      'REPOSITORY   TAG       IMAGE ID       CREATED       SIZE',
      'alpine       latest    28f6e2705743   2 weeks ago   5.61MB',
      'ubuntu       22.04     4dd97cefde62   5 days ago    72.9MB',
      '',
    ].join('\n');
    assert.equal(list(undefined, rows), want);
    assert.equal(list('', rows), want);
    assert.equal(list('table', rows), want);
  });

  it('a table with no rows still prints the header', () => {
    assert.equal(list(undefined, []), 'REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n');
    assert.equal(list('{{.ID}}', []), '');
    assert.equal(list('json', []), '');
  });

  it('json: one compact object per line, keys sorted like docker, no HTML escaping', () => {
    const row = {
      Repository: 'ubuntu',
      Tag: 'latest',
      ID: '4dd97cefde62',
      Digest: '<none>',
      CreatedAt: '2021-03-04 03:24:42 +0100 CET',
      CreatedSince: '5 days ago',
      Size: '72.9MB',
      Containers: 'N/A',
      SharedSize: 'N/A',
      UniqueSize: 'N/A',
    };
    const line =
      '{"Containers":"N/A","CreatedAt":"2021-03-04 03:24:42 +0100 CET","CreatedSince":"5 days ago","Digest":"<none>",' +
      '"ID":"4dd97cefde62","Repository":"ubuntu","SharedSize":"N/A","Size":"72.9MB","Tag":"latest","UniqueSize":"N/A"}';
    assert.equal(list('json', [row, row]), `${line}\n${line}\n`);
    assert.equal(list('{{json .}}', [row]), `${line}\n`);
  });

  it('headers come from the headers map, then docker defaults, then the field name', () => {
    const rows = [{ ID: 'x', CreatedSince: 'now', CreatedAt: 't', SharedSize: 's', IPAddress: 'ip', RunningFor: 'r' }];
    const out = formatList({
      format: 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedAt}}\t{{.SharedSize}}\t{{.IPAddress}}\t{{.RunningFor}}',
      rows,
      defaultTable: DEFAULT_TABLE,
    });
    assert.equal(
      out,
      'ID        CREATED   CREATED AT   SHARED SIZE   IP ADDRESS   CREATED\n' +
        'x         now       t            s             ip           r\n',
    );
    assert.equal(fieldToHeader('LocalVolumes'), 'LOCAL VOLUMES');
    assert.equal(fieldToHeader('CPUPerc'), 'CPU PERC');
    assert.equal(fieldToHeader('ID'), 'ID');
  });

  it('header row: json/upper/truncate… leave the title alone, pad still pads', () => {
    const rows = [{ Repository: 'alpine', Tag: 'latest', ID: '28f6e2705743', Size: '5.61MB' }];
    assert.equal(
      list('table {{json .Repository}}\t{{upper .Tag}}\t{{truncate .ID 4}}\t[{{pad .Size 1 1}}]', rows),
      'REPOSITORY   TAG       IMAGE ID   [ SIZE ]\n"alpine"     LATEST    28f6       [ 5.61MB ]\n',
    );
  });

  it('a header template error keeps the partial header (docker ignores it)', () => {
    const rows = [{ ID: 'abc', Tags: ['a', 'b'] }];
    assert.equal(list('table {{.ID}}\t{{range .Tags}}{{.}}{{end}}', rows), 'IMAGE ID   \nabc        ab\n');
  });

  it('trims surrounding spaces and translates \\t and \\n, but keeps other whitespace', () => {
    const rows = [{ ID: 'a', Tag: 't' }];
    assert.equal(list('  {{.ID}}  ', rows), 'a\n');
    assert.equal(list('{{.ID}}\\t{{.Tag}}', rows), 'a\tt\n');
    assert.equal(list('{{.ID}}\\n{{.Tag}}', rows), 'a\nt\n');
    assert.equal(list('\t{{.ID}} ', rows), '\ta\n');
    assert.equal(list('table   {{.ID}}', rows), 'IMAGE ID\na\n');
  });

  it('quiet: quietField or {{.ID}}, ignoring the format', () => {
    assert.equal(
      formatList({ format: '{{.Tag}}', rows: docImages.slice(0, 2), defaultTable: DEFAULT_TABLE, quiet: true, quietField: (r) => r.ID }),
      '77af4d6b9913\nb6fa739cedf5\n',
    );
    assert.equal(formatList({ rows: docImages.slice(0, 2), defaultTable: DEFAULT_TABLE, quiet: true }), '77af4d6b9913\nb6fa739cedf5\n');
  });

  it('missing fields render <no value>; class instances are used as they are', () => {
    class Row {
      constructor(readonly ID: string) {}
      get Short() {
        return this.ID.slice(0, 3);
      }
    }
    assert.equal(list('{{.ID}} {{.Nope}} {{.Short}}', [new Row('abcdef')]), 'abcdef <no value> abc\n');
  });

  it('template errors throw "template parsing error: ..."', () => {
    assert.throws(() => list('{{.ID'), { name: 'TemplateError', message: 'template parsing error: template: :1: unclosed action' });
    assert.throws(() => list('{{.ID.X}}'), {
      message: 'template parsing error: template: :1:5: executing "" at <.ID.X>: can\'t evaluate field X in type string',
    });
  });

  it('renders 300+ rows quickly', () => {
    const rows: ImageRow[] = [];
    for (let i = 0; i < 1000; i++) {
      rows.push({ ID: i.toString(16).padStart(12, '0'), Repository: `repo/${i}`, Tag: 'latest', CreatedSince: `${i} days ago`, Size: `${i}MB` });
    }
    const t0 = performance.now();
    const out = list(undefined, rows);
    const elapsed = performance.now() - t0;
    const lines = out.split('\n');
    assert.equal(lines.length, 1002);
    assert.equal(lines[1], 'repo/0       latest    000000000000   0 days ago     0MB');
    assert.equal(lines[1000], 'repo/999     latest    0000000003e7   999 days ago   999MB');
    assert.ok(elapsed < 500, `took ${elapsed}ms`);
  });
});

describe('formatInspect', () => {
  const image = {
    Id: 'sha256:abc',
    RepoTags: ['alpine:latest'],
    Config: { Env: ['A=<b>&c'], Labels: {} },
    Size: 7_800_000,
    Os: 'linux',
    NetworkSettings: { Ports: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } },
  };

  it('no format: JSON array indented with 4 spaces, HTML-escaped like the daemon', () => {
    assert.equal(
      formatInspect(undefined, [image]),
      [
        '[',
        '    {',
        '        "Id": "sha256:abc",',
        '        "RepoTags": [',
        '            "alpine:latest"',
        '        ],',
        '        "Config": {',
        '            "Env": [',
        '                "A=\\u003cb\\u003e\\u0026c"',
        '            ],',
        '            "Labels": {}',
        '        },',
        '        "Size": 7800000,',
        '        "Os": "linux",',
        '        "NetworkSettings": {',
        '            "Ports": {',
        '                "80/tcp": [',
        '                    {',
        '                        "HostIp": "",',
        '                        "HostPort": "8080"',
        '                    }',
        '                ]',
        '            }',
        '        }',
        '    }',
        ']',
        '',
      ].join('\n'),
    );
    assert.equal(formatInspect('', []), '[]\n');
    assert.equal(formatInspect(undefined, []), '[]\n');
  });

  it('json: the whole array, compact, on one line', () => {
    assert.equal(formatInspect('json', [{ Id: 'a', E: '<x>' }, { Id: 'b' }]), '[{"Id":"a","E":"\\u003cx\\u003e"},{"Id":"b"}]\n');
    assert.equal(formatInspect('json', []), '[]\n');
  });

  it('template: one line per object; no trimming or \\t translation', () => {
    assert.equal(formatInspect('{{.Os}}/{{.Size}}', [image, { Os: 'windows', Size: 5 }]), 'linux/7800000\nwindows/5\n');
    assert.equal(formatInspect(' {{.Os}}\\t', [image]), ' linux\\t\n');
    assert.equal(formatInspect('{{json .Config}}', [image]), '{"Env":["A=<b>&c"],"Labels":{}}\n');
    assert.equal(
      formatInspect('{{range $p, $conf := .NetworkSettings.Ports}} {{$p}} -> {{(index $conf 0).HostPort}} {{end}}', [image]),
      ' 80/tcp -> 8080 \n',
    );
    assert.equal(formatInspect('{{.Os}}', []), '\n');
  });

  it('keeps going past failing objects and reports every error', () => {
    const r = inspectOutput('{{.A.B}}', [{ A: 'str' }, { A: { B: 'ok' } }]);
    assert.equal(r.output, 'ok\n');
    assert.deepEqual(r.errors, ['template parsing error: template: :1:4: executing "" at <.A.B>: can\'t evaluate field B in type string']);
    assert.throws(
      () => formatInspect('{{.A.B}}', [{ A: 'str' }, { A: { B: 'ok' } }]),
      (e: unknown) => e instanceof TemplateError && e.partial === 'ok\n' && e.message.includes("can't evaluate field B"),
    );
    assert.throws(() => formatInspect('{{if}}', [image]), { message: 'template parsing error: template: :1: missing value for if' });
  });
});

describe('tabwriter', () => {
  it('pads every tab-terminated cell to max(10, widest + 3); the last cell is never padded', () => {
    assert.equal(tabwrite(['a\tb', 'ccc\td']), 'a         b\nccc       d\n');
    // 21 characters + padding 3 = a 24-wide column
    assert.equal(tabwrite(['REPOSITORY\tTAG', 'a-very-long-name-here\tx']), `REPOSITORY${' '.repeat(14)}TAG\na-very-long-name-here   x\n`);
    assert.equal(tabwrite([]), '');
  });

  it('columns are blocks of consecutive lines (elastic tabstops)', () => {
    assert.equal(
      tabwriteText('aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n', { minwidth: 0, padding: 1 }),
      'aaaa bbb d\naa   b   dd\na    \naa   cccc eee\n',
    );
    // a line without tabs ends all columns
    assert.equal(tabwrite(['abcdefghijklmn\tx', 'plain line', 'a\ty']), 'abcdefghijklmn   x\nplain line\na         y\n');
  });

  it('uses display width for wide characters', () => {
    assert.equal(displayWidth('日本'), 4);
    assert.equal(displayWidth('e\u0301'), 1);
    assert.equal(tabwrite(['日本\tx', 'ab\ty']), '日本      x\nab        y\n');
  });

  it('keeps text after the last newline and supports tab padding', () => {
    assert.equal(tabwriteText('a\tb\nc\td'), 'a         b\nc         d');
    assert.equal(tabwriteText('a\tb\nabcdefgh\tc\n', { padchar: '\t', tabwidth: 8, minwidth: 0, padding: 1 }), 'a\t\tb\nabcdefgh\tc\n');
  });
});
