import { writeFileSync, existsSync } from 'node:fs';
import type { Command } from '../command.js';
import { containerFlags, createRequest, pullFeedback } from '../container-options.js';
import { followToExit } from '../attach.js';
import { conflict } from '../../errors.js';

export const command: Command = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create and run a new container from an image',
  aliases: ['berth container run', 'berth run'],
  args: [1, Infinity],
  stopAtPositional: true,
  failureCode: 125,
  flags: [
    { name: 'detach', short: 'd', type: 'bool', help: 'Run container in background and print container ID' },
    { name: 'sig-proxy', type: 'bool', default: true, help: 'Proxy received signals to the process' },
    { name: 'detach-keys', type: 'string', value: 'string', help: 'Override the key sequence for detaching a container' },
    ...containerFlags,
  ],
  async run(cli, flags, [image, ...cmd]) {
    const req = createRequest(flags, image, cmd);
    if (flags.cidfile && existsSync(flags.cidfile as string)) throw conflict(`Container ID file found, make sure the other container isn't running or delete ${flags.cidfile as string}`);
    const containers = cli.backend.containers;
    const id = await containers.create(req, pullFeedback(cli));
    if (flags.cidfile) writeFileSync(flags.cidfile as string, id);
    try {
      if (flags.detach) {
        await containers.start(id);
        cli.out(`${id}\n`);
        return 0;
      }
      const c = { id, tty: Boolean(req.config.Tty), openStdin: Boolean(req.config.OpenStdin), autoRemove: Boolean(req.hostConfig.AutoRemove) };
      return await followToExit(cli, c, { sigProxy: flags['sig-proxy'] as boolean, start: true, detachKeys: flags['detach-keys'] as string | undefined });
    } catch (e) {
      // A container that never started is not left behind by --rm.
      if (req.hostConfig.AutoRemove) await containers.remove(id, { force: true }).catch(() => undefined);
      throw e;
    }
  },
};
