import type { Command } from '../command.js';
import { pushImage } from '../../images/push.js';
import { progressRenderer } from '../progress.js';

export const command: Command = {
  usage: '[OPTIONS] NAME[:TAG]',
  summary: 'Upload an image to a registry',
  args: [1, 1],
  flags: [
    { name: 'all-tags', short: 'a', type: 'bool', help: 'Push all tags of an image to the repository' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress verbose output' },
    { name: 'disable-content-trust', type: 'bool', help: 'Skip image signing (default true)', default: true },
  ],
  async run(cli, flags, [name]) {
    const quiet = flags.quiet as boolean;
    const results = await pushImage(cli.engine, name, progressRenderer(cli.out, { tty: cli.stdoutIsTTY, quiet }), { allTags: flags['all-tags'] as boolean });
    if (quiet) for (const r of results) cli.out(`${r.reference}\n`);
  },
};
