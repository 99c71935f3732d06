// Declarative units (.container, .volume, .network) translated into services: pure text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serviceNameOf, translate } from '../../src/systemd/quadlet.js';
import { parseUnit, splitExecLine, splitWords } from '../../src/systemd/unit.js';
import type { Installation } from '../../src/systemd/generate.js';

const inst: Installation = { executable: '/usr/bin/berth', root: '/var/lib/berth', runroot: '/run/berth', env: {} };

describe('declarative units', () => {
  it('names services as quadlet does', () => {
    assert.equal(serviceNameOf('web.container'), 'web.service');
    assert.equal(serviceNameOf('data.volume'), 'data-volume.service');
    assert.equal(serviceNameOf('net.network'), 'net-network.service');
  });

  it('a .container: run flags, references to .volume/.network units, [Unit]/[Service] passed through, [Install] as targets', () => {
    const { units, errors } = translate([
      { name: 'web.container', path: '/etc/containers/systemd/web.container', text: '[Unit]\nDescription=Web\nAfter=foo.service\n[Container]\nImage=nginx:1\nExec=sh -c "echo $$HOME %n"\nEnvironment=A=1 "B=two words"\nPublishPort=8080:80\nVolume=data.volume:/data:ro\nVolume=/srv:/srv\nNetwork=net.network\nLabel=x=y\nNotify=yes\n[Service]\nRestart=always\n[Install]\nWantedBy=multi-user.target default.target\n' },
      { name: 'data.volume', text: '[Volume]\nVolumeName=mydata\nLabel=k=v\n' },
      { name: 'net.network', text: '[Network]\nSubnet=10.99.0.0/24\nInternal=true\n' },
    ], inst);
    assert.deepEqual(errors, []);
    const web = units.find((u) => u.serviceName === 'web.service')!;
    assert.deepEqual(web.wantedBy, ['multi-user.target', 'default.target']);
    const u = parseUnit(web.text);
    assert.equal(u.get('Unit', 'Description'), 'Web');
    assert.equal(u.get('Unit', 'SourcePath'), '/etc/containers/systemd/web.container');
    assert.deepEqual(u.all('Unit', 'Requires'), ['data-volume.service net-network.service']);
    assert.ok(u.all('Unit', 'After').includes('foo.service'));
    assert.equal(u.has('Install'), false);
    assert.equal(u.get('Service', 'Type'), 'notify');
    assert.equal(u.get('Service', 'Restart'), 'always', 'the source [Service] comes last and wins');
    const start = splitExecLine(u.get('Service', 'ExecStart')!, { n: 'web.service' }, {});
    assert.deepEqual(start.argv, ['/usr/bin/berth', 'run', '--name', 'systemd-web', '--sdnotify=container', '--detach', '--rm', '--env', 'A=1', '--env', 'B=two words', '--label', 'x=y', '--publish', '8080:80', '--volume', 'mydata:/data:ro', '--volume', '/srv:/srv', '--network', 'systemd-net', 'nginx:1', 'sh', '-c', 'echo $HOME web.service']);
    assert.deepEqual(splitExecLine(u.get('Service', 'ExecStopPost')!).argv, ['/usr/bin/berth', 'rm', '-f', 'systemd-web']);
    const vol = parseUnit(units.find((x) => x.serviceName === 'data-volume.service')!.text);
    assert.equal(vol.get('Service', 'Type'), 'oneshot');
    assert.deepEqual(splitExecLine(vol.get('Service', 'ExecStart')!).argv, ['/usr/bin/berth', 'volume', 'create', '--label', 'k=v', 'mydata']);
    const net = parseUnit(units.find((x) => x.serviceName === 'net-network.service')!.text);
    assert.deepEqual(splitExecLine(net.get('Service', 'ExecStart')!).argv, ['/usr/bin/berth', 'network', 'create', '--ignore', '--subnet', '10.99.0.0/24', '--internal', 'systemd-net']);
  });

  it('errors name the file; other files still translate; a name seen first wins', () => {
    const { units, errors } = translate([
      { name: 'a.container', text: '[Container]\nExec=true\n' },
      { name: 'b.container', text: '[Container]\nImage=x\nBogus=1\n' },
      { name: 'c.container', text: '[Container]\nImage=first\n' },
      { name: 'c.container', text: '[Container]\nImage=second\n' },
    ], inst);
    assert.deepEqual(errors, ['a.container: [Container] needs Image=', 'b.container: unsupported key "Bogus" in [Container]']);
    assert.equal(units.length, 1);
    assert.match(units[0].text, /first/);
  });

  it('splits words as systemd does, keeping % and $', () => {
    assert.deepEqual(splitWords('a "b c" \'d e\' f\\ g %n $X'), ['a', 'b c', 'd e', 'f g', '%n', '$X']);
  });
});
