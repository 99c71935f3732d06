import { createWriteStream, renameSync, rmSync } from 'node:fs';
import type { Command } from '../command.js';
import type { ArchiveFormat } from '../../backend/images.js';
import { invalid } from '../../errors.js';

export const command: Command = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  aliases: ['berth image save', 'berth save'],
  args: [1, Infinity],
  flags: [
    { name: 'output', short: 'o', type: 'string', value: 'string', help: 'Write to a file, instead of STDOUT' },
    { name: 'format', type: 'string', value: 'string', default: 'docker-archive', help: 'docker-archive (docker 25+ layout, also an OCI layout) or oci-archive (blobs as stored, digests kept)' },
  ],
  async run(cli, flags, names) {
    const format = flags.format as ArchiveFormat;
    if (format !== 'docker-archive' && format !== 'oci-archive') throw invalid(`unknown format "${format}": use docker-archive or oci-archive`);
    const output = flags.output as string | undefined;
    if (!output) {
      if (process.stdout.isTTY) throw invalid('cowardly refusing to save to a terminal. Use the -o flag or redirect');
      await cli.backend.images.save(names, format, process.stdout);
      return;
    }
    const tmp = `${output}.berth-${process.pid}.tmp`;
    try {
      await cli.backend.images.save(names, format, createWriteStream(tmp, { mode: 0o600 }));
      renameSync(tmp, output);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  },
};
