import type { Command } from '../command.js';

const KINDS = ['C', 'A', 'D'];

export const command: Command = {
  usage: 'CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  aliases: ['berth container diff', 'berth diff'],
  args: [1, 1],
  flags: [],
  async run(cli, _flags, [name]) {
    for (const ch of await cli.backend.containers.diff(name)) cli.out(`${KINDS[ch.Kind] ?? '?'} ${ch.Path}\n`);
  },
};
