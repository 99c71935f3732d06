// IPv6 subnets for dual-stack networks: parsing and formatting (RFC 5952), containment,
// overlap, a random unique local /64 (RFC 4193), and the address of the n-th host.
import { randomBytes } from 'node:crypto';
import { invalid } from '../errors.js';

export interface Cidr6 {
  base: bigint; // network address as a 128-bit integer
  bits: number;
}

const ALL = (1n << 128n) - 1n;

export function ip6ToBig(ip: string): bigint {
  const bad = () => invalid(`invalid IPv6 address "${ip}"`);
  if (!/^[0-9a-fA-F:]+$/.test(ip) || ip.includes(':::')) throw bad();
  const halves = ip.split('::');
  if (halves.length > 2) throw bad();
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) throw bad();
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad();
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

/** RFC 5952: lower case, no leading zeros, the longest run (2+) of zero groups as `::`. */
export function bigToIp6(n: bigint): string {
  const g = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

export function parseCidr6(s: string): Cidr6 {
  const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(s);
  if (!m || Number(m[2]) > 128) throw invalid(`invalid IPv6 subnet "${s}": use an address/prefix such as fd00:1:2:3::/64`);
  const bits = Number(m[2]);
  const mask = bits === 0 ? 0n : (ALL << BigInt(128 - bits)) & ALL;
  return { base: ip6ToBig(m[1]) & mask, bits };
}

export function formatCidr6(c: Cidr6): string {
  return `${bigToIp6(c.base)}/${c.bits}`;
}

export function contains6(c: Cidr6, ip: bigint): boolean {
  return ip >= c.base && ip < c.base + (1n << BigInt(128 - c.bits));
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  return contains6(a, b.base) || contains6(b, a.base);
}

/** The address `offset` hosts into the subnet. */
export function hostAt(c: Cidr6, offset: number): string {
  return bigToIp6(c.base + BigInt(offset));
}

/** A unique local /64: fd00::/8, a random 40-bit global ID, subnet 0 (RFC 4193 3.2). */
export function randomUla(): Cidr6 {
  const id = randomBytes(5);
  let base = 0xfdn;
  for (const b of id) base = (base << 8n) | BigInt(b);
  return { base: base << 80n, bits: 64 };
}
