import { createReadStream } from 'node:fs';
import type { Command } from '../command.js';
import { importImage } from '../../images/import.js';
import { parsePlatform } from '../../images/manifest.js';
import { invalid } from '../../errors.js';

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
  async run(cli, flags, [source, tag]) {
    if (/^https?:\/\//.test(source)) throw invalid('importing from a URL is not supported: download the file and import it');
    const id = await importImage(cli.engine, source === '-' ? process.stdin : createReadStream(source), {
      changes: flags.change as string[],
      message: flags.message as string | undefined,
      tag,
      source,
      platform: flags.platform ? parsePlatform(flags.platform as string) : undefined,
    });
    cli.out(`${id}\n`);
  },
};
