// berth system port-forward IP PORT (internal): rootless publishing's forwarder. It is started
// inside the user's network namespace with the published port's listening socket (bound on
// the host by the berth that started the container) as fd 3, and relays each connection to
// the container. It lives until the container's network is torn down.
import { connect, createServer } from 'node:net';
import type { Command } from '../command.js';
import { invalid } from '../../errors.js';

export const command: Command = {
  usage: 'IP PORT',
  summary: 'Relay connections on the listening socket passed as fd 3 to IP:PORT (internal, rootless publishing)',
  args: [2, 2],
  flags: [],
  async run(cli, _flags, [ip, port]) {
    void cli.engine; // a relay in this host's network namespace: refused under -H
    const target = Number(port);
    if (!Number.isInteger(target) || target < 1 || target > 65535) throw invalid(`invalid port "${port}"`);
    // Half-open connections stay open: a client that has finished sending still gets the answer.
    const server = createServer({ allowHalfOpen: true }, (client) => {
      const upstream = connect({ host: ip, port: target, allowHalfOpen: true });
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ fd: 3 }, resolve);
    });
    process.on('SIGTERM', () => process.exit(0));
    // Serve until told to stop.
    await new Promise(() => undefined);
  },
};
