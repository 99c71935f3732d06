import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';
import { followToExit } from '../attach.js';
import { conflict } from '../../errors.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: "Attach local standard input, output, and error streams to a running container",
  aliases: ['berth container attach', 'berth attach'],
  args: [1, 1],
  flags: [
    { name: 'detach-keys', type: 'string', value: 'string', help: 'Override the key sequence for detaching a container' },
    { name: 'no-stdin', type: 'bool', help: 'Do not attach STDIN' },
    { name: 'sig-proxy', type: 'bool', default: true, help: 'Proxy all received signals to the process' },
  ],
  async run(cli, flags, [name]) {
    const svc = new ContainerService(cli.engine);
    const c = await svc.get(name);
    if (!c.state.Running) throw conflict('You cannot attach to a stopped container, start it first');
    return followToExit(cli, svc, c, { sigProxy: flags['sig-proxy'] as boolean, start: false, socket: true, noStdin: flags['no-stdin'] as boolean, detachKeys: flags['detach-keys'] as string | undefined });
  },
};
