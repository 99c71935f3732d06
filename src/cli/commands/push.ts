import type { Command } from '../command.js';
import { formatReference, parseReference } from '../../images/reference.js';
import { progressRenderer } from '../progress.js';
import { invalid } from '../../errors.js';

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
    const allTags = flags['all-tags'] as boolean;
    const ref = parseReference(name, { defaultTag: !allTags });
    if (allTags && ref.tag) throw invalid('tag can\'t be used with --all-tags/-a');
    const pushed = await cli.backend.images.push(name, { allTags }, progressRenderer(cli.out, { tty: cli.stdoutIsTTY, quiet }));
    if (quiet) for (const p of pushed) cli.out(`${formatReference({ ...ref, tag: p.Tag })}\n`);
  },
};
