// Isolation between networks: a container on one network must not reach a container on
// another. netavark 1.4's own `isolate` option cannot be trusted with several networks: the
// jump from FORWARD to its NETAVARK_ISOLATION_1 chain is one rule shared by every network,
// and the complete teardown of any one network deletes it, leaving all others open until
// the next setup puts it back.
//
// berth keeps its own rules in its own nftables table, `inet berth`, whose forward chain
// runs before iptables' (priority filter - 1). A drop there is final whatever iptables (or
// docker, or netavark) accept later, so no rule order elsewhere matters:
//
//   forward:  iifname @bridges oifname @bridges jump cross
//   cross:    iifname . oifname @same return     (within one bridge)
//             drop                               (between two berth bridges)
//
// A network is one element in each set, added before netavark first wires its bridge and
// deleted after the bridge is gone. Every change is one atomic, idempotent nft transaction.
import { hostCommand } from '../platform/hostnet.js';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BerthError, invalid } from '../errors.js';
import { findOnPath } from '../platform/runtimes.js';

const TABLE = 'inet berth';

/** The table, its sets and its chains; rules are flushed and put back so they are never doubled. */
function skeleton(): string[] {
  return [
    `add table ${TABLE}`,
    `add set ${TABLE} bridges { type ifname; }`,
    `add set ${TABLE} same { type ifname . ifname; }`,
    `add chain ${TABLE} forward { type filter hook forward priority filter - 1; policy accept; }`,
    `add chain ${TABLE} cross`,
    `flush chain ${TABLE} forward`,
    `flush chain ${TABLE} cross`,
    `add rule ${TABLE} forward iifname @bridges oifname @bridges jump cross`,
    `add rule ${TABLE} cross iifname . oifname @same return`,
    `add rule ${TABLE} cross drop`,
  ];
}

function quote(iface: string): string {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(iface)) throw invalid(`invalid interface name "${iface}"`);
  return `"${iface}"`;
}

function elements(bridges: string[], verb: 'add' | 'delete'): string[] {
  return bridges.flatMap((b) => [`${verb} element ${TABLE} bridges { ${quote(b)} }`, `${verb} element ${TABLE} same { ${quote(b)} . ${quote(b)} }`]);
}

/** The nft script that isolates `bridges` from every other berth bridge (pure; for tests). */
export function isolateScript(bridges: string[]): string {
  return [...skeleton(), ...elements(bridges, 'add')].join('\n') + '\n';
}

/** The nft script that forgets `bridges`: adding first makes deleting a missing one harmless. */
export function releaseScript(bridges: string[]): string {
  return [`add table ${TABLE}`, `add set ${TABLE} bridges { type ifname; }`, `add set ${TABLE} same { type ifname . ifname; }`, ...elements(bridges, 'add'), ...elements(bridges, 'delete')].join('\n') + '\n';
}

function nft(script: string): Promise<void> {
  const bin = ['/usr/sbin/nft', '/sbin/nft'].find((p) => existsSync(p)) ?? findOnPath('nft');
  if (!bin) return Promise.reject(new BerthError('runtime', 'nft is not installed (apt-get install nftables): berth isolates networks with it'));
  return new Promise((resolve, reject) => {
    const child = spawn(...hostCommand(bin, ['-f', '-']), { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', (e) => reject(new BerthError('runtime', `nft: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new BerthError('runtime', `nft: ${err.trim() || `exit ${code}`}`))));
    child.stdin.end(script);
  });
}

/** Keep containers on `bridges` from reaching other berth networks (and theirs from reaching these). */
export function isolateBridges(bridges: string[]): Promise<void> {
  return bridges.length ? nft(isolateScript(bridges)) : Promise.resolve();
}

/** Forget bridges that are gone (safe when they were never added). */
export function releaseBridges(bridges: string[]): Promise<void> {
  return bridges.length ? nft(releaseScript(bridges)) : Promise.resolve();
}
