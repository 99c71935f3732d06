import type { Command } from '../command.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  summary: 'Execute a command in a running container',
  aliases: ['berth container exec', 'berth exec'],
  args: [2, Infinity],
  stopAtPositional: true,
  failureCode: 126,
  flags: [
    { name: 'detach', short: 'd', type: 'bool', help: 'Detached mode: run command in the background' },
    { name: 'interactive', short: 'i', type: 'bool', help: 'Keep STDIN open even if not attached' },
    { name: 'tty', short: 't', type: 'bool', help: 'Allocate a pseudo-TTY' },
    { name: 'env', short: 'e', type: 'strings', value: 'list', help: 'Set environment variables' },
    { name: 'user', short: 'u', type: 'string', value: 'string', help: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { name: 'workdir', short: 'w', type: 'string', value: 'string', help: 'Working directory inside the container' },
    { name: 'privileged', type: 'bool', help: 'Give extended privileges to the command' },
    { name: 'detach-keys', type: 'string', value: 'string', help: 'Override the key sequence for detaching a container' },
  ],
  async run(cli, flags, [name, ...cmd]) {
    const env = (flags.env as string[]).map((e) => (e.includes('=') ? e : `${e}=${process.env[e] ?? ''}`));
    return cli.backend.containers.exec(name, {
      cmd,
      env,
      user: flags.user as string | undefined,
      workdir: flags.workdir as string | undefined,
      tty: flags.tty as boolean,
      interactive: flags.interactive as boolean,
      detach: flags.detach as boolean,
      privileged: flags.privileged as boolean,
      detachKeys: flags['detach-keys'] as string | undefined,
    });
  },
};
