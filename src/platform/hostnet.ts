// Where "the host's network" is. For root it is the host's own namespace. Rootless it is the
// user's network namespace (network/rootless.ts), which berth's network code drives exactly
// as root drives the host's: every command that acts on links, routes, firewalls or bridges
// runs through here, and runs in that namespace. Container namespaces are named files in a
// directory (/run/netns for root, the runroot's netns/ rootless).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

interface HostNet {
  /** the namespace standing in for the host's; none for root */
  netns?: string;
  /** where named container namespaces live */
  netnsDir: string;
}

let current: HostNet = { netnsDir: '/run/netns' };

/** Rootless: the user's namespace plays the host, and named namespaces live under the runroot. */
export function useUserNetwork(netns: string, runroot: string): void {
  current = { netns, netnsDir: join(runroot, 'netns') };
}

export function hostNet(): Readonly<HostNet> {
  return current;
}

/** A command as it must be spawned to act on the host's network. */
export function hostCommand(cmd: string, args: string[]): [string, string[]] {
  return current.netns ? ['nsenter', [`--net=${current.netns}`, '--', cmd, ...args]] : [cmd, args];
}

/**
 * Links of the host's network by name. Root reads /sys/class/net; rootless, /sys shows the
 * real host's links whatever namespace berth is in, so iproute2 answers from the user's one.
 */
export function hostLinks(): Map<string, { address: string; master?: string }> | undefined {
  if (!current.netns) return undefined;
  const [cmd, args] = hostCommand('ip', ['-j', 'link', 'show']);
  const out = JSON.parse(execFileSync(cmd, args, { encoding: 'utf8' })) as Array<{ ifname: string; address: string; master?: string }>;
  return new Map(out.map((l) => [l.ifname, { address: l.address, master: l.master }]));
}
