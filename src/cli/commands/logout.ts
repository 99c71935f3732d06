import type { Command } from '../command.js';
import { logout } from '../../engine/auth.js';
import { CredentialStore } from '../../images/registry/credentials.js';

export const command: Command = {
  usage: '[SERVER]',
  summary: 'Log out from a registry.\nIf no server is specified, the default is docker.io.',
  args: [0, 1],
  flags: [],
  async run(cli, _flags, [server]) {
    const { domain, removed } = await logout(new CredentialStore(cli.config.dockerConfigDir), server);
    cli.out(removed ? `Removing login credentials for ${domain}\n` : `Not logged in to ${domain}\n`);
  },
};
