// /etc/resolv.conf for a container, as docker writes it: the host's file, with nameservers
// replaced by the container's (--dns, or the network's DNS server), and --dns-search and
// --dns-option appended. Loopback nameservers of the host cannot be reached from a
// container's namespace, so they are dropped.
export function resolvConf(host: string, o: { servers: string[]; search: string[]; options: string[] }): string {
  const lines = host.split('\n');
  const hostServers = lines.filter((l) => /^\s*nameserver\s/.test(l)).map((l) => l.trim().split(/\s+/)[1]).filter((s) => s && !s.startsWith('127.') && s !== '::1');
  const search = o.search.length ? o.search : lines.filter((l) => /^\s*search\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  const options = o.options.length ? o.options : lines.filter((l) => /^\s*options\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  const servers = o.servers.length ? o.servers : hostServers;
  return [...servers.map((s) => `nameserver ${s}`), ...(search.length ? [`search ${search.join(' ')}`] : []), ...(options.length ? [`options ${options.join(' ')}`] : [])].join('\n') + '\n';
}
