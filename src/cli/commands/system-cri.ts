// berth system cri: the Kubernetes CRI (runtime.v1 RuntimeService and ImageService) on a unix
// socket, so kubelet (or crictl) can use berth as its container runtime.
import { join } from 'node:path';
import type { Command } from '../command.js';
import { invalid } from '../../errors.js';
import { log } from '../../util/log.js';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Serve the Kubernetes CRI (runtime.v1) for kubelet and crictl',
  args: [0, 0],
  flags: [{ name: 'listen', short: 'l', type: 'string', value: 'uri', help: 'Where to listen: unix:///path (default unix://<runroot>/cri.sock)' }],
  async run(cli, flags) {
    const uri = (flags.listen as string | undefined) || `unix://${join(cli.config.runroot, 'cri.sock')}`;
    if (!uri.startsWith('unix://') || uri.length <= 'unix://'.length || !uri.slice('unix://'.length).startsWith('/')) throw invalid(`invalid --listen ${uri}: use unix:///absolute/path`);
    const path = uri.slice('unix://'.length);
    const { createCriServer, listenCri } = await import('../../cri/server.js');
    const server = createCriServer(cli.engine);
    // One call's failure must not take the others down with it.
    process.on('uncaughtException', (e) => log.error(`berth system cri: ${e.stack ?? e.message}`));
    const unlisten = await listenCri(server, path);
    log.info(`berth system cri: listening on unix://${path}`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        server.tryShutdown(() => undefined);
        // Calls in flight get a moment; then the rest is cut.
        setTimeout(() => server.forceShutdown(), 2000).unref();
        unlisten();
        resolve();
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};
