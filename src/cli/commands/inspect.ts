import type { Command } from '../command.js';
import { inspectEach } from '../each.js';
import { ContainerService } from '../../engine/containers.js';
import { ImageService } from '../../engine/images.js';
import { containerJson } from '../../engine/container-view.js';
import { invalid, notFound } from '../../errors.js';

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
    return inspectEach(cli, flags.format as string | undefined, names, (n) => inspectOne(cli.engine, n, type));
  },
};

export { containerJson };

async function inspectOne(engine: import('../../engine/context.js').EngineContext, name: string, type: string | undefined): Promise<unknown> {
  if (type !== 'image') {
    const svc = new ContainerService(engine);
    try {
      return containerJson(engine, svc, await svc.get(name));
    } catch (e) {
      if (type === 'container') throw e;
    }
  }
  const images = new ImageService(engine);
  try {
    return images.inspectJson(images.inspect(name));
  } catch {
    throw notFound(`No such object: ${name}`);
  }
}
