import type { Command } from '../command.js';
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
    const c = await cli.backend.containers.inspect(name);
    if (!c.State.Running) throw conflict('You cannot attach to a stopped container, start it first');
    const fg = { id: c.Id, tty: Boolean(c.Config.Tty), openStdin: Boolean(c.Config.OpenStdin), autoRemove: Boolean(c.HostConfig.AutoRemove) };
    return followToExit(cli, fg, { sigProxy: flags['sig-proxy'] as boolean, start: false, noStdin: flags['no-stdin'] as boolean, detachKeys: flags['detach-keys'] as string | undefined });
  },
};
