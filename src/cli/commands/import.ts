import { createReadStream } from 'node:fs';
import type { Command } from '../command.js';

export const command: Command = {
  usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  summary: 'Import the contents from a tarball to create a filesystem image',
  aliases: ['berth image import', 'berth import'],
  args: [1, 2],
  flags: [
    { name: 'change', short: 'c', type: 'strings', value: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', type: 'string', value: 'string', help: 'Set commit message for imported image' },
    { name: 'platform', type: 'string', value: 'string', help: 'Set platform if server is multi-platform capable' },
  ],
  async run(cli, flags, [source, reference]) {
    if (flags.platform) (await import('../../images/manifest.js')).parsePlatform(flags.platform as string); // refused here, before anything is read
    // As docker's CLI: a file is read here and sent as "-"; a URL is the engine's to download.
    const url = /^https?:\/\//i.test(source);
    const id = await cli.backend.images.import({
      source: url ? source : '-',
      input: url ? undefined : source === '-' ? process.stdin : createReadStream(source),
      reference,
      changes: flags.change as string[],
      message: flags.message as string | undefined,
      platform: flags.platform as string | undefined,
    });
    cli.out(`${id}\n`);
  },
};
