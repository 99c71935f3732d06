import type { Command } from '../command.js';
import { forEach } from '../each.js';

function each(verb: 'pause' | 'unpause', summary: string): Command {
  return {
    usage: 'CONTAINER [CONTAINER...]',
    summary,
    args: [1, Infinity],
    flags: [],
    async run(cli, _flags, names) {
      const containers = cli.backend.containers;
      return forEach(cli, names, (n) => containers[verb](n));
    },
  };
}

export const command = each('pause', 'Pause all processes within one or more containers');
export const unpause = each('unpause', 'Unpause all processes within one or more containers');
