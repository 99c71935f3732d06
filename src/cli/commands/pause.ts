import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';
import { errorMessage } from '../../errors.js';

function each(verb: 'pause' | 'unpause', summary: string): Command {
  return {
    usage: 'CONTAINER [CONTAINER...]',
    summary,
    args: [1, Infinity],
    flags: [],
    async run(cli, _flags, names) {
      const svc = new ContainerService(cli.engine);
      let failed = false;
      for (const n of names) {
        try {
          await svc[verb](n);
          cli.out(`${n}\n`);
        } catch (e) {
          failed = true;
          cli.err(`Error: ${errorMessage(e)}\n`);
        }
      }
      return failed ? 1 : 0;
    },
  };
}

export const command = each('pause', 'Pause all processes within one or more containers');
export const unpause = each('unpause', 'Unpause all processes within one or more containers');
