import type { Command } from '../command.js';
import { formatReference, parseReference, repositoryName } from '../../images/reference.js';
import { progressRenderer } from '../progress.js';
import { invalid } from '../../errors.js';

export const command: Command = {
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  summary: 'Download an image from a registry',
  args: [1, 1],
  flags: [
    { name: 'all-tags', short: 'a', type: 'bool', help: 'Download all tagged images in the repository' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress verbose output' },
    { name: 'platform', type: 'string', value: 'string', help: 'Set platform if server is multi-platform capable' },
    { name: 'disable-content-trust', type: 'bool', help: 'Skip image verification (default true)', default: true },
  ],
  async run(cli, flags, [name]) {
    const quiet = flags.quiet as boolean;
    const allTags = flags['all-tags'] as boolean;
    const ref = parseReference(name, { defaultTag: !allTags });
    if (allTags && (ref.tag || ref.digest)) throw invalid('tag can\'t be used with --all-tags/-a');
    if (flags.platform) (await import('../../images/manifest.js')).parsePlatform(flags.platform as string); // refused here, before anything is asked
    // the progress, then docker's "Digest:" and "Status:" lines, as the engine reports them
    await cli.backend.images.pull(formatReference(ref), { allTags, platform: flags.platform as string | undefined }, progressRenderer(cli.out, { tty: cli.stdoutIsTTY, quiet }));
    if (!allTags) cli.out(`${formatReference(ref)}\n`);
    else if (!quiet) cli.out(`${repositoryName(ref)}\n`);
  },
};
