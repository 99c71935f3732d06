import type { Command } from '../command.js';
import { forEach } from '../each.js';
import { followToExit } from '../attach.js';
import { invalid } from '../../errors.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  aliases: ['berth container start', 'berth start'],
  args: [1, Infinity],
  flags: [
    { name: 'attach', short: 'a', type: 'bool', help: "Attach STDOUT/STDERR and forward signals" },
    { name: 'interactive', short: 'i', type: 'bool', help: "Attach container's STDIN" },
    { name: 'detach-keys', type: 'string', value: 'string', help: 'Override the key sequence for detaching a container' },
  ],
  async run(cli, flags, names) {
    const containers = cli.backend.containers;
    if (flags.attach) {
      if (names.length > 1) throw invalid('you cannot start and attach multiple containers at once');
      const c = await containers.inspect(names[0]);
      const fg = { id: c.Id, tty: Boolean(c.Config.Tty), openStdin: Boolean(c.Config.OpenStdin) && Boolean(flags.interactive), autoRemove: Boolean(c.HostConfig.AutoRemove) };
      return followToExit(cli, fg, { sigProxy: true, start: true, detachKeys: flags['detach-keys'] as string | undefined });
    }
    return forEach(cli, names, (n) => containers.start(n));
  },
};
