import type { Command } from '../command.js';
import { tabwriteText } from '../../util/table.js';

export const command: Command = {
  usage: 'CONTAINER [ps OPTIONS]',
  summary: 'Display the running processes of a container',
  args: [1, Infinity],
  stopAtPositional: true,
  flags: [],
  async run(cli, _flags, [name, ...psArgs]) {
    const { Titles, Processes } = await cli.backend.containers.top(name, psArgs);
    // docker's layout: tabwriter.NewWriter(out, 20, 1, 3, ' ', 0)
    cli.out(tabwriteText([Titles, ...Processes].map((row) => `${row.join('\t')}\n`).join(''), { minwidth: 20 }));
  },
};
