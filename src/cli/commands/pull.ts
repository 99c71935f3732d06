import type { Command } from '../command.js';
import { pullImage } from '../../images/pull.js';
import { familiarReference, parseReference } from '../../images/reference.js';
import { parsePlatform } from '../../images/manifest.js';
import { listTags } from '../../images/registry/client.js';
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
    const platform = flags.platform ? parsePlatform(flags.platform as string) : undefined;
    const onProgress = progressRenderer(cli.out, { tty: cli.stdoutIsTTY, quiet });
    const ref = parseReference(name, { defaultTag: !flags['all-tags'] });
    let refs = [ref];
    if (flags['all-tags']) {
      if (ref.tag || ref.digest) throw invalid('tag can\'t be used with --all-tags/-a');
      const tags = await listTags(await cli.engine.repository(ref));
      refs = tags.map((tag) => ({ ...ref, tag }));
    }
    for (const r of refs) {
      const res = await pullImage(cli.engine, r, { platform, onProgress });
      if (!quiet) {
        cli.out(`Digest: ${res.digest}\n`);
        cli.out(res.downloaded ? `Status: Downloaded newer image for ${familiarReference(r)}\n` : `Status: Image is up to date for ${familiarReference(r)}\n`);
      }
      if (!flags['all-tags']) cli.out(`${res.reference}\n`);
    }
    if (flags['all-tags'] && !quiet) cli.out(`${ref.domain}/${ref.path}\n`);
  },
};
