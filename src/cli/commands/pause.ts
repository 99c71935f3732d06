import type { Command } from '../command.js';
import { forEach } from '../each.js';
import { ContainerService } from '../../engine/containers.js';

function each(verb: 'pause' | 'unpause', summary: string): Command {
  return {
    usage: 'CONTAINER [CONTAINER...]',
    summary,
    args: [1, Infinity],
    flags: [],
    async run(cli, _flags, names) {
      const svc = new ContainerService(cli.engine);
      return forEach(cli, names, (n) => svc[verb](n));
    },
  };
}

export const command = each('pause', 'Pause all processes within one or more containers');
export const unpause = each('unpause', 'Unpause all processes within one or more containers');
