import { createReadStream } from 'node:fs';
import type { Command } from '../command.js';
import { loadImages } from '../../images/archive.js';
import { familiarName, splitTagged } from '../../images/reference.js';
import { invalid } from '../../errors.js';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Load an image from a tar archive or STDIN',
  aliases: ['berth image load', 'berth load'],
  args: [0, 0],
  flags: [
    { name: 'input', short: 'i', type: 'string', value: 'string', help: 'Read from tar archive file, instead of STDIN' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress the load output' },
  ],
  async run(cli, flags) {
    const input = flags.input as string | undefined;
    if (!input && process.stdin.isTTY) throw invalid('requested load from stdin, but stdin is empty');
    const loaded = await loadImages(cli.engine, input ? createReadStream(input) : process.stdin);
    for (const img of loaded) {
      if (img.tags.length) for (const t of img.tags) cli.out(`Loaded image: ${familiarName(splitTagged(t).repo)}:${splitTagged(t).tag}\n`);
      else cli.out(`Loaded image ID: ${img.id}\n`);
    }
  },
};
