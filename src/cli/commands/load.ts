import { createReadStream } from 'node:fs';
import type { Command } from '../command.js';
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
    cli.out(await cli.backend.images.load(input ? createReadStream(input) : process.stdin));
  },
};
