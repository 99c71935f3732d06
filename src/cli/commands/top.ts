import { execFile } from 'node:child_process';
import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';

export const command: Command = {
  usage: 'CONTAINER [ps OPTIONS]',
  summary: 'Display the running processes of a container',
  args: [1, Infinity],
  stopAtPositional: true,
  flags: [],
  async run(cli, _flags, [name, ...psArgs]) {
    const pids = await new ContainerService(cli.engine).processes(name);
    const args = [...(psArgs.length ? psArgs : ['-f']), '-p', pids.join(',') || '0'];
    const out = await new Promise<string>((resolve, reject) => execFile('ps', args, (e, stdout, stderr) => (e && !stdout ? reject(new Error(stderr || e.message)) : resolve(stdout))));
    cli.out(out);
  },
};
