import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';
import { formatInspect } from '../format.js';
import { errorMessage } from '../../errors.js';
import { containerJson } from './inspect.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Display detailed information on one or more containers',
  args: [1, Infinity],
  flags: [
    { name: 'format', short: 'f', type: 'string', value: 'string', help: "Format output using a custom template: 'json' or a Go template" },
    { name: 'size', short: 's', type: 'bool', help: 'Display total file sizes' },
  ],
  async run(cli, flags, names) {
    const svc = new ContainerService(cli.engine);
    const found: unknown[] = [];
    let failed = false;
    for (const n of names) {
      try {
        found.push(containerJson(cli.engine, svc, await svc.get(n)));
      } catch (e) {
        failed = true;
        cli.err(`Error: ${errorMessage(e)}\n`);
      }
    }
    if (found.length || !flags.format) cli.out(formatInspect(flags.format as string | undefined, found));
    return failed ? 1 : 0;
  },
};
