import type { Cli, Command } from '../command.js';
import { inspectEach } from '../each.js';
import { BerthError, invalid, notFound } from '../../errors.js';

export const command: Command = {
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  summary: 'Return low-level information on containers and images',
  args: [1, Infinity],
  flags: [
    { name: 'format', short: 'f', type: 'string', value: 'string', help: "Format output using a custom template: 'json' or a Go template" },
    { name: 'type', type: 'string', value: 'string', help: 'Only inspect objects of the given type (container, image)' },
    { name: 'size', short: 's', type: 'bool', help: 'Display total file sizes if the type is container' },
  ],
  async run(cli, flags, names) {
    const type = flags.type as string | undefined;
    if (type && type !== 'container' && type !== 'image') throw invalid(`"${type}" is not a valid value for --type`);
    return inspectEach(cli, flags.format as string | undefined, names, (n) => inspectOne(cli, n, type, flags.size as boolean));
  },
};

async function inspectOne(cli: Cli, name: string, type: string | undefined, size: boolean): Promise<unknown> {
  if (type !== 'image') {
    try {
      return await cli.backend.containers.inspect(name, { size });
    } catch (e) {
      if (type === 'container' || !(e instanceof BerthError && e.kind === 'not-found')) throw e;
    }
  }
  try {
    return await cli.backend.images.inspect(name);
  } catch (e) {
    // what is neither (a name that is no reference at all included) is "no such object"; an engine out of reach is its own error
    if (e instanceof BerthError && e.kind === 'unavailable') throw e;
    throw notFound(`No such object: ${name}`);
  }
}
