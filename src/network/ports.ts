// Published ports: docker's -p syntax into docker's PortBindings shape, and the checks that
// make a taken port a clear error before the container starts.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { invalid } from '../errors.js';

export type PortBindings = Record<string, Array<{ HostIp: string; HostPort: string }>>;

function range(s: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw invalid(`invalid ${what} "${s}"`);
  const a = Number(m[1]);
  const b = m[2] ? Number(m[2]) : a;
  if (a < 1 || b > 65535 || b < a) throw invalid(`invalid ${what} "${s}"`);
  return [a, b];
}

/** `[ip:][hostPort[-end]:]containerPort[-end][/tcp|udp]` -> bindings. */
export function parsePublish(spec: string): PortBindings {
  let rest = spec;
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash !== -1) {
    proto = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
    if (proto !== 'tcp' && proto !== 'udp') throw invalid(`invalid proto "${proto}" in "${spec}"`);
  }
  let ip = '';
  let hostPart = '';
  let ctrPart: string;
  const bracket = /^\[([^\]]+)\]:(.*)$/.exec(rest);
  if (bracket) {
    ip = bracket[1];
    rest = bracket[2];
  }
  const parts = rest.split(':');
  if (parts.length === 1) ctrPart = parts[0];
  else if (parts.length === 2) [hostPart, ctrPart] = parts;
  else if (parts.length === 3 && !bracket) [ip, hostPart, ctrPart] = parts;
  else throw invalid(`invalid port specification "${spec}"`);
  if (ip && !/^\d+\.\d+\.\d+\.\d+$/.test(ip) && !ip.includes(':')) throw invalid(`invalid IP address "${ip}" in "${spec}"`);
  const [c0, c1] = range(ctrPart, `container port in "${spec}"`);
  const [h0, h1] = hostPart ? range(hostPart, `host port in "${spec}"`) : [0, 0];
  if (hostPart && h1 - h0 !== c1 - c0 && h0 !== h1) throw invalid(`port ranges of different sizes in "${spec}"`);
  const out: PortBindings = {};
  for (let i = 0; i <= c1 - c0; i++) {
    const hostPort = !hostPart ? '' : h0 === h1 && c1 !== c0 ? String(h0) : String(h0 + i);
    (out[`${c0 + i}/${proto}`] ??= []).push({ HostIp: ip, HostPort: hostPort });
  }
  return out;
}

export function mergeBindings(list: PortBindings[]): PortBindings {
  const out: PortBindings = {};
  for (const b of list) for (const [k, v] of Object.entries(b)) (out[k] ??= []).push(...v);
  return out;
}

/** Resolves when host `ip:port` can be bound (nothing listens there); rejects with docker's message. */
export function checkFree(ip: string, port: number, proto: 'tcp' | 'udp'): Promise<void> {
  const host = ip || '0.0.0.0';
  const taken = () => invalid(`Bind for ${host}:${port} failed: port is already allocated`);
  return new Promise((resolve, reject) => {
    if (proto === 'udp') {
      const s = createSocket('udp4');
      s.once('error', () => reject(taken()));
      s.bind(port, host, () => s.close(() => resolve()));
      return;
    }
    const srv = createServer();
    srv.once('error', () => reject(taken()));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve()));
  });
}

/** A free host port (asked of the kernel). */
export function freePort(ip: string, proto: 'tcp' | 'udp'): Promise<number> {
  return new Promise((resolve, reject) => {
    if (proto === 'udp') {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, ip || '0.0.0.0', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
      return;
    }
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: ip || '0.0.0.0' }, () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
}
