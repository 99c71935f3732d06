// IPv4 subnets: parsing, containment, overlap, and picking free addresses and subnets.
import { invalid } from '../errors.js';

export interface Cidr {
  base: number; // network address as uint32
  bits: number;
}

export function ipToInt(ip: string): number {
  const p = ip.split('.');
  if (p.length !== 4 || p.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) throw invalid(`invalid IPv4 address "${ip}"`);
  return ((Number(p[0]) << 24) >>> 0) + (Number(p[1]) << 16) + (Number(p[2]) << 8) + Number(p[3]);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(s: string): Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(s);
  if (!m || Number(m[2]) > 32) throw invalid(`invalid subnet "${s}": use a.b.c.d/n`);
  const bits = Number(m[2]);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return { base: (ipToInt(m[1]) & mask) >>> 0, bits };
}

export function formatCidr(c: Cidr): string {
  return `${intToIp(c.base)}/${c.bits}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.bits);
}

export function contains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + size(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** The first free host address in `range` (not network, broadcast, gateway or taken). */
export function freeAddress(subnet: Cidr, range: Cidr, taken: Set<number>): number | undefined {
  for (let ip = Math.max(range.base, subnet.base + 1); ip < Math.min(range.base + size(range), subnet.base + size(subnet) - 1); ip++) {
    if (!taken.has(ip)) return ip;
  }
  return undefined;
}

/** A /24 from `pool` (berth's pool for new networks, 10.89.0.0/16 by default) that overlaps none of `used`. */
export function freeSubnet(used: Cidr[], pool: Cidr = parseCidr('10.89.0.0/16')): Cidr | undefined {
  for (let base = pool.base; base + 256 <= pool.base + size(pool); base += 256) {
    const c = parseCidr(`${intToIp(base)}/24`);
    if (!used.some((u) => overlaps(u, c))) return c;
  }
  return undefined;
}
