import type { Command } from '../command.js';
import { readAllStdin } from '../prompt.js';
import { invalid } from '../../errors.js';
import { login } from '../../engine/auth.js';
import { CredentialStore } from '../../images/registry/credentials.js';

export const command: Command = {
  usage: '[OPTIONS] [SERVER]',
  summary: 'Log in to a registry.\nIf no server is specified, the default is docker.io.',
  args: [0, 1],
  flags: [
    { name: 'username', short: 'u', type: 'string', value: 'string', help: 'Username' },
    { name: 'password', short: 'p', type: 'string', value: 'string', help: 'Password' },
    { name: 'password-stdin', type: 'bool', help: 'Take the password from stdin' },
  ],
  async run(cli, flags, [server]) {
    let password = flags.password as string | undefined;
    const username = flags.username as string | undefined;
    if (flags['password-stdin']) {
      if (password) throw invalid('--password and --password-stdin are mutually exclusive');
      if (!username) throw invalid('Must provide --username with --password-stdin');
      password = (await readAllStdin()).replace(/\r?\n$/, '');
    } else if (password) {
      cli.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    }
    if (!username || !password) throw invalid('Username and password are required (use -u and --password-stdin; interactive prompts are not supported yet)');
    // the client's own store and its own way to the registry: no engine takes part (with -H neither)
    await login(cli.config, new CredentialStore(cli.config.dockerConfigDir), server, { username, password });
    cli.out('Login Succeeded\n');
  },
};
