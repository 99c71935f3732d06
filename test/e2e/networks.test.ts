// Networks end to end: netavark bridges, aardvark-dns names, published ports, teardown.
// Traffic stays on loopback and on the bridges the tests create.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { busyboxEntries, makeTar, BUSYBOX_PATH } from '../helpers/fixtures.js';
import { ok, sandboxes, type Sandbox } from '../helpers/berth.js';
import { freePort } from '../helpers/registry.js';

const boxes = sandboxes();
let sb: Sandbox;
let work: string;
const IMG = 'test/net:1';
const HTTPD = ['sh', '-c', 'echo "hello from $(hostname)" > /tmp/index.html; exec httpd -f -p 80 -h /tmp'];

async function get(url: string): Promise<string> {
  const res = await fetch(url);
  return res.text();
}

async function until<T>(fn: () => Promise<T>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The bridges berth's nftables isolation holds (berth's table may not exist yet). */
function isolated(): string {
  try {
    return execFileSync('nft', ['list', 'set', 'inet', 'berth', 'bridges'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return '';
  }
}

async function bridgeOf(network: string): Promise<string> {
  return `br-${(await ok(sb, ['network', 'inspect', '-f', '{{.Id}}', network])).trim().slice(0, 12)}`;
}

interface Made {
  ids: string[];
  networks: Array<{ bridge: string; subnets: string[] }>;
}

async function made(containers: string[], networks: string[]): Promise<Made> {
  const ids = await Promise.all(containers.map(async (c) => (await ok(sb, ['inspect', '-f', '{{.Id}}', c])).trim()));
  const nets = await Promise.all(networks.map(async (n) => ({ bridge: await bridgeOf(n), subnets: (await ok(sb, ['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', n])).trim().split(' ') })));
  return { ids, networks: nets };
}

/**
 * What is left on the host of these containers and networks (other test files run at the
 * same time: only what this test made counts): network namespaces, bridges (a veth goes
 * with its namespace), iptables rules naming the subnet or bridge, isolation elements,
 * and aardvark-dns records.
 */
function traces(m: Made): string[] {
  const out: string[] = [];
  const netns = execFileSync('ip', ['netns', 'list']).toString();
  const links = execFileSync('ip', ['-o', 'link']).toString();
  const rules = ['iptables', 'ip6tables'].flatMap((cmd) => [...execFileSync(cmd, ['-S']).toString().split('\n'), ...execFileSync(cmd, ['-t', 'nat', '-S']).toString().split('\n')]);
  const iso = isolated();
  for (const id of m.ids) if (netns.includes(`berth-${id.slice(0, 12)}`)) out.push(`netns of ${id.slice(0, 12)}`);
  for (const { bridge, subnets } of m.networks) {
    if (links.includes(` ${bridge}:`)) out.push(`bridge ${bridge}`);
    if (links.includes(` bk-${bridge.slice(3)}@`)) out.push(`keeper of ${bridge}`);
    out.push(...rules.filter((r) => subnets.some((s) => r.includes(s)) || r.includes(bridge)));
    if (iso.includes(`"${bridge}"`)) out.push(`isolation element ${bridge}`);
  }
  const dnsDir = join(sb.runroot, 'networks', 'aardvark-dns');
  for (const f of existsSync(dnsDir) ? readdirSync(dnsDir) : []) {
    const text = readFileSync(join(dnsDir, f), 'utf8');
    for (const id of m.ids) if (text.includes(id)) out.push(`dns record of ${id.slice(0, 12)} in ${f}`);
  }
  return out;
}

/**
 * busybox-static has no UDP server or client: the host's socat, bind-mounted read-only with
 * the host's libraries, runs inside the containers, so names go through the container's own
 * resolv.conf (aardvark-dns) and every datagram crosses the network under test.
 */
function hostSocat(): string[] {
  const ld = realpathSync('/lib64/ld-linux-x86-64.so.2');
  const libs = dirname(ld);
  return ['-v', `${realpathSync('/usr/bin/socat')}:/usr/bin/socat:ro`, '-v', `${libs}:${libs}:ro`, '-v', `${ld}:/lib64/ld-linux-x86-64.so.2:ro`];
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-net-'));
  const { tar } = await makeTar(busyboxEntries(readFileSync(BUSYBOX_PATH)));
  writeFileSync(join(work, 'rootfs.tar'), tar);
  sb = boxes.fresh();
  await ok(sb, ['import', '-c', 'EXPOSE 80', join(work, 'rootfs.tar'), IMG]);
});

after(async () => {
  if (sb) {
    const ids = (await sb.run(['ps', '-aq', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean);
    if (ids.length) await sb.run(['rm', '-f', ...ids]);
    await sb.run(['network', 'prune', '-f']);
  }
  boxes.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('user-defined networks', () => {
  test('containers reach each other by name and alias over TCP, names resolve over UDP DNS; another network cannot', async () => {
    await ok(sb, ['network', 'create', 'front']);
    await ok(sb, ['network', 'create', 'back']);
    await ok(sb, ['run', '-d', '--name', 'web', '--network', 'front', '--network-alias', 'www', IMG, ...HTTPD]);
    const byName = await until(() => ok(sb, ['run', '--rm', '--network', 'front', IMG, 'wget', '-qO-', 'http://web/index.html']));
    assert.match(byName, /^hello from [0-9a-f]{12}\n$/);
    assert.equal(await ok(sb, ['run', '--rm', '--network', 'front', IMG, 'wget', '-qO-', 'http://www/index.html']), byName);
    // busybox-static has no UDP client; its nslookup asks aardvark-dns over UDP.
    assert.match(await ok(sb, ['run', '--rm', '--network', 'front', IMG, 'busybox', 'nslookup', 'www']), /Address:\s+10\.\d+\.\d+\.\d+\n/);
    const other = await sb.run(['run', '--rm', '--network', 'back', IMG, 'wget', '-T', '2', '-qO-', 'http://web/index.html']);
    assert.notEqual(other.code, 0, 'a container on another network cannot reach web');
    const insp = JSON.parse(await ok(sb, ['network', 'inspect', 'front']))[0];
    assert.equal(insp.Driver, 'bridge');
    assert.equal(Object.keys(insp.Containers).length, 1);
    const ip = await ok(sb, ['inspect', '-f', '{{.NetworkSettings.Networks.front.IPAddress}}', 'web']);
    assert.match(ip, /^10\.\d+\.\d+\.\d+\n$/);
    const hosts = await ok(sb, ['exec', 'web', 'cat', '/etc/hosts']);
    assert.match(hosts, new RegExp(`${ip.trim().replace(/\./g, '\\.')}\\s+[0-9a-f]{12} web`));
    await ok(sb, ['rm', '-f', 'web']);
    await ok(sb, ['network', 'rm', 'front', 'back']);
  });

  test('UDP between containers by name and by alias; another network cannot reach it', async () => {
    await ok(sb, ['network', 'create', 'udpnet']);
    await ok(sb, ['network', 'create', 'udpother']);
    // Each datagram to port 9999 is answered with its own text and the server's hostname (the
    // answering shell reads the datagram first: one left unread is reset, and the answer lost).
    await ok(sb, ['run', '-d', '--name', 'udpsrv', '--network', 'udpnet', '--network-alias', 'dgram', ...hostSocat(), IMG, 'socat', 'UDP4-RECVFROM:9999,fork', 'SYSTEM:read x; echo $x from $(hostname)']);
    const hostname = (await ok(sb, ['exec', 'udpsrv', 'hostname'])).trim();
    const m = await made(['udpsrv'], ['udpnet']);
    assert.ok(traces(m).length > 0, 'the container leaves traces while it runs (the check can fail)');
    const ask = (network: string, host: string) => sb.run(['run', '--rm', '--network', network, ...hostSocat(), IMG, 'sh', '-c', `echo ping-${host} | socat -t 1 - UDP4:${host}:9999`]);
    const byName = await until(async () => {
      const r = await ask('udpnet', 'udpsrv');
      if (r.code !== 0 || !r.stdout) throw new Error(`no answer by name: ${JSON.stringify(r)}`);
      return r.stdout;
    });
    assert.equal(byName, `ping-udpsrv from ${hostname}\n`);
    const byAlias = await ask('udpnet', 'dgram');
    assert.equal(byAlias.stdout, `ping-dgram from ${hostname}\n`, `by alias: ${byAlias.stderr}`);
    const ip = (await ok(sb, ['inspect', '-f', '{{.NetworkSettings.Networks.udpnet.IPAddress}}', 'udpsrv'])).trim();
    const other = await ask('udpother', ip);
    assert.equal(other.stdout, '', 'no answer from another network');
    const noName = await ask('udpother', 'udpsrv');
    assert.notEqual(noName.code, 0, 'the name does not resolve on another network');
    await ok(sb, ['rm', '-f', 'udpsrv']);
    await ok(sb, ['network', 'rm', 'udpnet', 'udpother']);
    assert.deepEqual(traces(m), []);
  });

  test('isolation holds while other networks come and go (their teardown must not open it)', async () => {
    await ok(sb, ['network', 'create', 'isoa']);
    await ok(sb, ['network', 'create', 'isob']);
    await ok(sb, ['network', 'create', 'isochurn']);
    const bridges = [await bridgeOf('isoa'), await bridgeOf('isob'), await bridgeOf('isochurn')];
    await ok(sb, ['run', '-d', '--name', 'iso-target', '--network', 'isoa', IMG, 'sleep', '60']);
    await ok(sb, ['run', '-d', '--name', 'iso-prober', '--network', 'isob', IMG, 'sleep', '60']);
    const targetIp = (await ok(sb, ['inspect', '-f', '{{.NetworkSettings.Networks.isoa.IPAddress}}', 'iso-target'])).trim();
    const proberIp = (await ok(sb, ['inspect', '-f', '{{.NetworkSettings.Networks.isob.IPAddress}}', 'iso-prober'])).trim();
    assert.match(isolated(), new RegExp(`${bridges[0]}.*${bridges[1]}|${bridges[1]}.*${bridges[0]}`, 's'), 'both bridges are in the isolation set while in use');
    const m = await made(['iso-target', 'iso-prober'], ['isoa', 'isob', 'isochurn']);
    // A network whose last container comes and goes is torn down completely each time; with
    // netavark's shared isolation chains that dropped the isolation of every other network.
    let churning = true;
    let churned = 0;
    const churn = (async () => {
      while (churning || churned < 2) {
        await ok(sb, ['run', '--rm', '--network', 'isochurn', IMG, 'true']);
        churned++;
      }
    })();
    const probe = await sb.run(['exec', 'iso-prober', 'busybox', 'ping', '-q', '-c', '20', '-i', '0.2', '-W', '1', targetIp]);
    churning = false;
    await churn;
    assert.match(probe.stdout, /20 packets transmitted, 0 packets received/, `no packet crosses from isob to isoa during ${churned} teardowns of another network`);
    const back = await sb.run(['exec', 'iso-target', 'busybox', 'ping', '-c', '1', '-W', '1', proberIp]);
    assert.notEqual(back.code, 0, 'nor from isoa to isob');
    // Within one network, nothing is in the way.
    await ok(sb, ['run', '--rm', '--network', 'isoa', IMG, 'busybox', 'ping', '-c', '1', '-W', '2', targetIp]);
    await ok(sb, ['rm', '-f', 'iso-target', 'iso-prober']);
    await ok(sb, ['network', 'rm', 'isoa', 'isob', 'isochurn']);
    const left = isolated();
    for (const b of bridges) assert.ok(!left.includes(b), `${b} left the isolation set with its last container`);
    assert.deepEqual(traces(m), []);
  });

  test('network connect and disconnect, live, on a running container', async () => {
    await ok(sb, ['network', 'create', '--subnet', '10.124.0.0/24', 'left']);
    await ok(sb, ['network', 'create', '--subnet', '10.125.0.0/24', 'right']);
    await ok(sb, ['run', '-d', '--name', 'target', '--network', 'right', IMG, 'sleep', '60']);
    await ok(sb, ['run', '-d', '--name', 'client', '--network', 'left', IMG, 'sleep', '60']);
    const targetIp = (await ok(sb, ['inspect', '-f', '{{.NetworkSettings.Networks.right.IPAddress}}', 'target'])).trim();
    const m = await made(['target', 'client'], ['left', 'right']);
    const ping = () => sb.run(['exec', 'client', 'busybox', 'ping', '-c', '1', '-W', '1', targetIp]);
    assert.notEqual((await ping()).code, 0, 'another network is unreachable before connect');
    await ok(sb, ['network', 'connect', '--alias', 'cli', 'right', 'client']);
    assert.equal((await ping()).code, 0, 'reachable after connect');
    // The joined container has names on the new network: a container there finds it by name and alias.
    const clientIp = (await ok(sb, ['inspect', '-f', '{{.NetworkSettings.Networks.right.IPAddress}}', 'client'])).trim();
    for (const name of ['client', 'cli']) {
      const r = await sb.run(['exec', 'target', 'busybox', 'nslookup', name]);
      assert.match(r.stdout, new RegExp(`Address:\\s+${clientIp.replace(/\./g, '\\.')}\\n`), `target resolves ${name}: ${r.stdout}${r.stderr}`);
    }
    await ok(sb, ['exec', 'target', 'busybox', 'ping', '-c', '1', '-W', '2', 'cli']);
    // And the joined container finds the new network's containers by name.
    await ok(sb, ['exec', 'client', 'busybox', 'ping', '-c', '1', '-W', '2', 'target']);
    const addrs = await ok(sb, ['exec', 'client', 'ip', '-4', '-o', 'addr']);
    assert.match(addrs, /eth0\s+inet 10\.124\.0\.\d+\/24/);
    assert.match(addrs, /eth1\s+inet 10\.125\.0\.\d+\/24/);
    assert.match(await ok(sb, ['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'client']), /left right/);
    assert.equal(Object.keys(JSON.parse(await ok(sb, ['network', 'inspect', 'right']))[0].Containers).length, 2);
    assert.match(await ok(sb, ['exec', 'client', 'cat', '/etc/resolv.conf']), /^nameserver 10\.125\.0\.1$/m, 'the new network\'s DNS server is in resolv.conf');
    await ok(sb, ['network', 'disconnect', 'right', 'client']);
    assert.doesNotMatch(await ok(sb, ['exec', 'client', 'ip', '-4', '-o', 'addr']), /eth1/);
    const resolv = await ok(sb, ['exec', 'client', 'cat', '/etc/resolv.conf']);
    assert.doesNotMatch(resolv, /10\.125\.0\.1/, 'the network left, its DNS server with it');
    assert.match(resolv, /^nameserver 10\.124\.0\.1$/m);
    assert.equal(Object.keys(JSON.parse(await ok(sb, ['network', 'inspect', 'right']))[0].Containers).length, 1);
    await ok(sb, ['rm', '-f', 'client', 'target']);
    await ok(sb, ['network', 'rm', 'left', 'right']);
    assert.deepEqual(traces(m), []);
  });

  test('IPv6: dual-stack networks (a unique local /64 picked, or the one given) reach their containers over IPv6, by address and name; not across networks', async () => {
    await ok(sb, ['network', 'create', '--ipv6', 'dual']);
    await ok(sb, ['network', 'create', '--ipv6', '--subnet', '10.127.0.0/24', '--subnet', 'fd42:be27:7e57::/64', 'dual2']);
    const [auto] = JSON.parse(await ok(sb, ['network', 'inspect', 'dual']));
    assert.equal(auto.EnableIPv6, true);
    assert.match(auto.IPAM.Config[1].Subnet, /^fd[0-9a-f]{2}:[0-9a-f:]*::\/64$/, 'a unique local /64');
    assert.equal(auto.IPAM.Config[1].Gateway, auto.IPAM.Config[1].Subnet.replace('::/64', '::1'));
    const [given] = JSON.parse(await ok(sb, ['network', 'inspect', 'dual2']));
    assert.deepEqual(given.IPAM.Config, [{ Subnet: '10.127.0.0/24', Gateway: '10.127.0.1' }, { Subnet: 'fd42:be27:7e57::/64', Gateway: 'fd42:be27:7e57::1' }]);
    assert.match(await ok(sb, ['network', 'ls', '--filter', 'name=dual', '--format', '{{.Name}} {{.IPv6}}']), /^dual true\ndual2 true\n$/);
    const overlap = await sb.run(['network', 'create', '--ipv6', '--subnet', 'fd42:be27:7e57:0:1::/80', 'dual3']);
    assert.equal(overlap.code, 1);
    assert.match(overlap.stderr, /overlaps with other one .*dual2/);
    const noFlag = await sb.run(['network', 'create', '--subnet', 'fd42:be27:7e58::/64', 'dual3']);
    assert.match(noFlag.stderr, /needs --ipv6/);
    assert.equal((await ok(sb, ['network', 'ls', '-q', '--filter', 'name=dual3'])).trim(), '');

    await ok(sb, ['run', '-d', '--name', 'six', '--network', 'dual', IMG, ...HTTPD]);
    const m = await made(['six'], ['dual', 'dual2']);
    const addr = (await ok(sb, ['inspect', '-f', '{{.NetworkSettings.Networks.dual.GlobalIPv6Address}}', 'six'])).trim();
    assert.equal(await ok(sb, ['inspect', '-f', '{{.NetworkSettings.Networks.dual.GlobalIPv6PrefixLen}} {{.NetworkSettings.Networks.dual.IPv6Gateway}}', 'six']), `64 ${auto.IPAM.Config[1].Gateway}\n`);
    assert.ok(addr.startsWith(auto.IPAM.Config[1].Subnet.replace('::/64', '::')), `${addr} is in ${auto.IPAM.Config[1].Subnet}`);
    assert.match(await ok(sb, ['exec', 'six', 'ip', '-6', '-o', 'addr', 'show', 'eth0']), new RegExp(`inet6 ${addr}/64 scope global`));
    assert.equal(JSON.parse(await ok(sb, ['network', 'inspect', 'dual']))[0].Containers[m.ids[0]].IPv6Address, `${addr}/64`);
    // Over IPv6 from another container on the network: by address, and by name (aardvark-dns answers AAAA).
    assert.match(await until(() => ok(sb, ['run', '--rm', '--network', 'dual', IMG, 'wget', '-qO-', `http://[${addr}]/index.html`])), /^hello from [0-9a-f]{12}\n$/);
    await ok(sb, ['run', '--rm', '--network', 'dual', IMG, 'busybox', 'ping', '-6', '-c', '1', '-W', '2', 'six']);
    const across = await sb.run(['run', '--rm', '--network', 'dual2', IMG, 'busybox', 'ping', '-6', '-c', '1', '-W', '1', addr]);
    assert.notEqual(across.code, 0, 'another dual-stack network cannot reach it over IPv6');
    await ok(sb, ['rm', '-f', 'six']);
    await ok(sb, ['network', 'rm', 'dual', 'dual2']);
    assert.deepEqual(traces(m), []);
  });

  test('--ip, --mac-address, --dns, --dns-search, --dns-option, --hostname, --add-host', async () => {
    await ok(sb, ['network', 'create', '--subnet', '10.126.0.0/24', 'fixed']);
    const out = await ok(sb, ['run', '--rm', '--network', 'fixed', '--ip', '10.126.0.50', '--mac-address', '92:d0:c6:0a:29:33', '--dns', '192.0.2.53', '--dns-search', 'example.test', '--dns-option', 'ndots:2', '--hostname', 'boat', '--add-host', 'db.local:192.0.2.10', IMG, 'sh', '-c', 'ip -4 -o addr show eth0; ip -o link show eth0; cat /etc/resolv.conf; cat /etc/hosts; hostname']);
    assert.match(out, /inet 10\.126\.0\.50\/24/);
    assert.match(out, /link\/ether 92:d0:c6:0a:29:33/);
    assert.match(out, /^nameserver 192\.0\.2\.53$/m);
    assert.match(out, /^search example\.test$/m);
    assert.match(out, /^options ndots:2$/m);
    assert.match(out, /^10\.126\.0\.50\s+boat /m);
    assert.match(out, /^192\.0\.2\.10\s+db\.local$/m);
    assert.match(out, /\nboat\n$/);
    await ok(sb, ['run', '-d', '--name', 'holder', '--network', 'fixed', '--ip', '10.126.0.99', IMG, 'sleep', '30']);
    const taken = await sb.run(['run', '--rm', '--network', 'fixed', '--ip', '10.126.0.99', IMG, 'true']);
    assert.equal(taken.code, 125);
    assert.match(taken.stderr, /address 10\.126\.0\.99 is already in use on network fixed/);
    await ok(sb, ['rm', '-f', 'holder']);
    const outside = await sb.run(['run', '--rm', '--network', 'fixed', '--ip', '10.99.0.5', IMG, 'true']);
    assert.equal(outside.code, 125);
    assert.match(outside.stderr, /not in network fixed's subnet/);
    await ok(sb, ['network', 'rm', 'fixed']);
  });

  test('--internal has no way out', async () => {
    await ok(sb, ['network', 'create', '--internal', 'sealed']);
    const routes = await ok(sb, ['run', '--rm', '--network', 'sealed', IMG, 'cat', '/proc/net/route']);
    assert.doesNotMatch(routes, /\n\w+\s+00000000\s/, 'no default route');
    await ok(sb, ['network', 'rm', 'sealed']);
  });

  test('another root cannot bring up a subnet this one routes (each root has its own IPAM)', async () => {
    const other = boxes.fresh();
    await ok(other, ['import', join(work, 'rootfs.tar'), IMG]);
    await ok(sb, ['network', 'create', '--subnet', '10.128.0.0/24', 'mine']);
    await ok(sb, ['run', '-d', '--name', 'holder', '--network', 'mine', IMG, 'sleep', '60']);
    const m = await made(['holder'], ['mine']);
    await ok(other, ['network', 'create', '--subnet', '10.128.0.0/24', 'theirs']);
    const clash = await other.run(['run', '--rm', '--network', 'theirs', IMG, 'true']);
    assert.equal(clash.code, 125);
    assert.match(clash.stderr, /network theirs's subnet 10\.128\.0\.0\/24 is already routed on this host through br-[0-9a-f]{12}/);
    assert.equal((await ok(other, ['ps', '-aq'])).trim(), '', 'the --rm container went with the failed start');
    // A subnet picked for a new network avoids the ones the host routes.
    await ok(other, ['network', 'create', 'picked']);
    const picked = (await ok(other, ['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', 'picked'])).trim();
    assert.ok(!execFileSync('ip', ['-4', 'route']).toString().includes(`${picked} `), `${picked} is not routed yet`);
    await ok(other, ['network', 'rm', 'theirs', 'picked']);
    await ok(sb, ['rm', '-f', 'holder']);
    await ok(sb, ['network', 'rm', 'mine']);
    assert.deepEqual(traces(m), []);
  });

  test('bad input: overlapping subnet, unknown network, a network in use, a malformed -p', async () => {
    await ok(sb, ['network', 'create', '--subnet', '10.123.0.0/24', 'one']);
    const overlap = await sb.run(['network', 'create', '--subnet', '10.123.0.128/25', 'two']);
    assert.equal(overlap.code, 1);
    assert.match(overlap.stderr, /overlaps/);
    const unknown = await sb.run(['run', '--rm', '--network', 'nowhere', IMG, 'true']);
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr, /network nowhere not found/);
    await ok(sb, ['create', '--name', 'user', '--network', 'one', IMG, 'true']);
    const busy = await sb.run(['network', 'rm', 'one']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /has active endpoints \(user\)/);
    const badPort = await sb.run(['run', '--rm', '-p', '80:abc', IMG, 'true']);
    assert.equal(badPort.code, 125);
    assert.match(badPort.stderr, /invalid container port/);
    await ok(sb, ['rm', 'user']);
    await ok(sb, ['network', 'rm', 'one']);
    assert.equal((await ok(sb, ['network', 'ls', '--filter', 'name=two', '-q'])).trim(), '');
  });
});

describe('published ports', () => {
  test('-p 127.0.0.1:PORT:80 and -P reach busybox httpd from the host; port and ps show them', async () => {
    const port = await freePort();
    await ok(sb, ['run', '-d', '--name', 'pub', '-p', `127.0.0.1:${port}:80`, IMG, ...HTTPD]);
    assert.match(await until(() => get(`http://127.0.0.1:${port}/index.html`)), /^hello from /);
    assert.equal(await ok(sb, ['port', 'pub', '80']), `127.0.0.1:${port}\n`);
    assert.match(await ok(sb, ['ps', '--format', '{{.Ports}}']), new RegExp(`127\\.0\\.0\\.1:${port}->80/tcp`));
    await ok(sb, ['run', '-d', '--name', 'all', '-P', IMG, ...HTTPD]);
    const mapped = (await ok(sb, ['port', 'all', '80'])).trim();
    const hostPort = Number(mapped.split(':').pop());
    assert.ok(hostPort > 0);
    assert.match(await until(() => get(`http://127.0.0.1:${hostPort}/index.html`)), /^hello from /);
    // A taken port is refused before the container starts, and nothing is left behind.
    const taken = await sb.run(['run', '-d', '--name', 'dup', '-p', `127.0.0.1:${port}:80`, IMG, ...HTTPD]);
    assert.equal(taken.code, 125);
    assert.match(taken.stderr, /port is already allocated/);
    assert.equal(await ok(sb, ['inspect', '-f', '{{.State.Status}}', 'dup']), 'created\n');
    const server: Server = createServer();
    const hostTaken = await freePort();
    await new Promise<void>((r) => server.listen(hostTaken, '127.0.0.1', r));
    const busy = await sb.run(['run', '--rm', '-p', `127.0.0.1:${hostTaken}:80`, IMG, 'true']);
    server.close();
    assert.equal(busy.code, 125);
    assert.match(busy.stderr, new RegExp(`Bind for 127.0.0.1:${hostTaken} failed: port is already allocated`));
    await ok(sb, ['rm', '-f', 'pub', 'all', 'dup']);
  });

  test('teardown is complete: no netns, veth or port rule of the container is left; the network\'s bridge and rules go with the network', async () => {
    // Other test files run at the same time: look only for what this test made.
    const netId = (await ok(sb, ['network', 'create', 'brief'])).trim();
    const port = await freePort();
    const id = (await ok(sb, ['run', '-d', '--name', 'short', '--network', 'brief', '-p', `127.0.0.1:${port}:80`, IMG, 'sh', '-c', 'sleep 2'])).trim();
    const m = await made(['short'], ['brief']);
    const netns = `berth-${id.slice(0, 12)}`;
    const bridge = `br-${netId.slice(0, 12)}`;
    const present = () => ({
      netns: execFileSync('ip', ['netns', 'list']).toString().includes(netns),
      veth: execFileSync('ip', ['-o', 'link', 'show', 'master', bridge]).toString().split('\n').filter((l) => /: veth/.test(l)).length,
      rules: execFileSync('iptables', ['-t', 'nat', '-S']).toString().split('\n').filter((l) => l.includes(`--dport ${port}`) || l.includes(`dpt:${port}`)).length,
    });
    const up = present();
    assert.deepEqual(up, { netns: true, veth: 1, rules: up.rules || -1 }, 'netns, a veth on the bridge and a DNAT rule for the port while it runs');
    await ok(sb, ['wait', 'short']);
    // The process died by itself: its monitor's cleanup tears the container's part down.
    await until(async () => {
      const p = present();
      if (p.netns || p.veth || p.rules) throw new Error(`still there: ${JSON.stringify(p)}`);
    });
    // As docker's, the network's bridge (and its NAT rules) live as long as the network.
    assert.ok(existsSync(`/sys/class/net/${bridge}`), 'the bridge stays while the network exists');
    assert.match(isolated(), new RegExp(bridge));
    await ok(sb, ['rm', 'short']);
    await ok(sb, ['network', 'rm', 'brief']);
    assert.deepEqual(traces(m), []);
  });
});
