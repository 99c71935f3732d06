import { writeFileSync, existsSync } from 'node:fs';
import type { Command } from '../command.js';
import { containerFlags, createRequest } from '../container-options.js';
import { ContainerService } from '../../engine/containers.js';
import { parsePlatform } from '../../images/manifest.js';
import { progressRenderer } from '../progress.js';
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
    const svc = new ContainerService(cli.engine);
    if (flags.cidfile && existsSync(flags.cidfile as string)) throw conflict(`Container ID file found, make sure the other container isn't running or delete ${flags.cidfile as string}`);
    req.pullImage = async (ref) => {
      cli.err(`Unable to find image '${ref}' locally\n`);
      // Loaded only when needed: the pull machinery (worker threads, zlib, the registry client) costs every run a few ms to load.
      const { pullImage } = await import('../../images/pull.js');
      const res = await pullImage(cli.engine, ref, { platform: req.platform ? parsePlatform(req.platform) : undefined, onProgress: progressRenderer(cli.err, { tty: Boolean(process.stderr.isTTY), quiet: false }) });
      return res.id;
    };
    const c = await svc.create(req);
    if (flags.cidfile) writeFileSync(flags.cidfile as string, c.id);
    try {
      if (flags.detach) {
        await svc.start(c.id);
        cli.out(`${c.id}\n`);
        return 0;
      }
      return await followToExit(cli, svc, c, { sigProxy: flags['sig-proxy'] as boolean, start: true, detachKeys: flags['detach-keys'] as string | undefined });
    } catch (e) {
      // A container that never started is not left behind by --rm.
      if (c.hostConfig.AutoRemove) await svc.remove(c.id, { force: true }).catch(() => undefined);
      throw e;
    }
  },
};
