import { writeFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { containerFlags, createRequest } from '../container-options.js';
import { ContainerService } from '../../engine/containers.js';
import { parsePlatform } from '../../images/manifest.js';
import { progressRenderer } from '../progress.js';

export const command: Command = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create a new container',
  aliases: ['berth container create', 'berth create'],
  args: [1, Infinity],
  stopAtPositional: true,
  failureCode: 125,
  flags: containerFlags,
  async run(cli, flags, [image, ...cmd]) {
    const req = createRequest(flags, image, cmd);
    req.pullImage = async (ref) => {
      cli.err(`Unable to find image '${ref}' locally\n`);
      const { pullImage } = await import('../../images/pull.js'); // only when needed (see run.ts)
      return (await pullImage(cli.engine, ref, { platform: req.platform ? parsePlatform(req.platform) : undefined, onProgress: progressRenderer(cli.err, { tty: Boolean(process.stderr.isTTY), quiet: false }) })).id;
    };
    const c = await new ContainerService(cli.engine).create(req);
    if (flags.cidfile) writeFileSync(flags.cidfile as string, c.id);
    cli.out(`${c.id}\n`);
  },
};
