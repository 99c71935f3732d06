// The network backend: netavark (podman's, from Debian) sets up veths, bridges, routes,
// firewall rules (iptables/nftables as the host uses) and port forwarding from its JSON
// interface; aardvark-dns answers names on networks with DNS. berth does the IP address
// management itself (netavark takes static addresses).
import { hostCommand } from '../platform/hostnet.js';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BerthError } from '../errors.js';
import { findOnPath } from '../platform/runtimes.js';

const NETAVARK = ['/usr/lib/podman/netavark', '/usr/libexec/podman/netavark', 'netavark'];
const AARDVARK = ['/usr/lib/podman/aardvark-dns', '/usr/libexec/podman/aardvark-dns', 'aardvark-dns'];

export interface PortMapping {
  host_ip: string;
  container_port: number;
  host_port: number;
  range: number;
  protocol: 'tcp' | 'udp';
}

export interface NetworkInfo {
  name: string;
  id: string;
  driver: 'bridge';
  network_interface: string;
  created: string;
  subnets: Array<{ subnet: string; gateway: string }>;
  ipv6_enabled: boolean;
  internal: boolean;
  dns_enabled: boolean;
  ipam_options: { driver: 'host-local' };
  /** netavark's options; berth does not pass `isolate` (network/isolation.ts says why) */
  options?: Record<string, string>;
}

export interface SetupRequest {
  container_id: string;
  container_name: string;
  port_mappings: PortMapping[];
  networks: Record<string, { static_ips: string[]; aliases: string[]; interface_name: string; static_mac?: string }>;
  network_info: Record<string, NetworkInfo>;
  dns_servers?: string[];
}

export type SetupResult = Record<string, { dns_search_domains?: string[]; dns_server_ips?: string[]; interfaces: Record<string, { mac_address: string; subnets: Array<{ ipnet: string; gateway: string }> }> }>;

function binary(candidates: string[], what: string): string {
  for (const c of candidates) {
    const p = c.includes('/') ? (existsSync(c) ? c : null) : findOnPath(c);
    if (p) return p;
  }
  throw new BerthError('runtime', `${what} is not installed (apt-get install netavark aardvark-dns)`);
}

function netavark(configDir: string, verb: 'setup' | 'teardown', netns: string, req: SetupRequest): Promise<string> {
  const bin = binary(NETAVARK, 'netavark');
  const aardvark = binary(AARDVARK, 'aardvark-dns');
  return new Promise((resolve, reject) => {
    const child = spawn(...hostCommand(bin, ['--config', configDir, '--aardvark-binary', aardvark, verb, netns]), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', (e) => reject(new BerthError('runtime', `netavark: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) return resolve(out);
      let msg = err.trim() || out.trim();
      try {
        msg = (JSON.parse(msg) as { error?: string }).error ?? msg;
      } catch {
        /* plain text */
      }
      reject(new BerthError('runtime', `netavark ${verb}: ${msg}`));
    });
    child.stdin.end(JSON.stringify(req));
  });
}

export async function setupNetwork(configDir: string, netns: string, req: SetupRequest): Promise<SetupResult> {
  return JSON.parse(await netavark(configDir, 'setup', netns, req)) as SetupResult;
}

export async function teardownNetwork(configDir: string, netns: string, req: SetupRequest): Promise<void> {
  await netavark(configDir, 'teardown', netns, req);
}
