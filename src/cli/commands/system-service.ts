// berth system service: the Docker Engine API on a unix socket, for as long as it is used.
import type { Command } from '../command.js';
import { invalid } from '../../errors.js';
import { log } from '../../util/log.js';

export const command: Command = {
  usage: '[OPTIONS] [URI]',
  summary: 'Serve the Docker Engine API (unix:///path, or tcp://127.0.0.1:PORT when asked)',
  args: [0, 1],
  flags: [{ name: 'time', short: 't', type: 'int', value: 'seconds', default: 5, help: 'Seconds without requests before the service exits (0: never)' }],
  async run(cli, flags, [uri]) {
    const idleSec = flags.time as number;
    if (idleSec < 0) throw invalid(`invalid --time ${idleSec}: use 0 (never) or a number of seconds`);
    const { createApiServer } = await import('../../api/server.js');
    const { listen, parseEndpoint, systemdSocket } = await import('../../api/listen.js');
    const ep = systemdSocket() ?? parseEndpoint(uri, cli.config);
    const api = createApiServer(cli.engine);
    // One connection's failure must not take the others down with it.
    process.on('uncaughtException', (e) => log.error(`berth system service: ${e.stack ?? e.message}`));
    const unlisten = await listen(api.server, ep, cli.config.rootless);
    log.info(`berth system service: listening on ${ep.kind === 'unix' ? `unix://${ep.path}` : ep.kind === 'tcp' ? `tcp://${ep.host}:${ep.port}` : `fd ${ep.fd} (socket activation)`}`);
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const stop = () => {
        if (timer) clearTimeout(timer);
        api.server.close();
        api.server.closeAllConnections();
        unlisten();
        resolve();
      };
      const arm = () => {
        if (timer) clearTimeout(timer);
        timer = idleSec > 0 ? setTimeout(() => (api.active() === 0 ? stop() : arm()), idleSec * 1000) : undefined;
      };
      api.server.on('request', () => timer && clearTimeout(timer));
      api.server.on('upgrade', () => timer && clearTimeout(timer));
      api.onIdle(arm);
      arm();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};
