import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Command } from '../command.js';
import { invalid } from '../../errors.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: "Export a container's filesystem as a tar archive",
  aliases: ['berth container export', 'berth export'],
  args: [1, 1],
  flags: [{ name: 'output', short: 'o', type: 'string', value: 'string', help: 'Write to a file, instead of STDOUT' }],
  async run(cli, flags, [name]) {
    const containers = cli.backend.containers;
    const out = flags.output as string | undefined;
    if (!out) {
      if (process.stdout.isTTY) throw invalid('cowardly refusing to save to a terminal. Use the -o flag or redirect');
      return void (await containers.export(name, (tar) => pipeline(tar, process.stdout)));
    }
    const tmp = `${out}.berth-${process.pid}.tmp`;
    try {
      await containers.export(name, (tar) => pipeline(tar, createWriteStream(tmp)));
      renameSync(tmp, out);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  },
};
