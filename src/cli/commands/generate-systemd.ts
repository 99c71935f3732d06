// berth generate systemd [OPTIONS] CONTAINER: systemd unit text for a container (podman's command).
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../command.js';
import { invalid } from '../../errors.js';
import { defaultOptions, unitsFor, RESTART_POLICIES, validateOptions, type GenerateOptions } from '../../systemd/generate.js';
import { installation } from '../../systemd/install.js';
import { containerSource, podSource } from '../../systemd/sources.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER|POD',
  summary: 'Generate systemd units for a container or a pod',
  aliases: ['berth generate systemd'],
  args: [1, 1],
  flags: [
    { name: 'files', short: 'f', type: 'bool', help: 'Write unit files (container-NAME.service) into the current directory instead of printing them' },
    { name: 'name', short: 'n', type: 'bool', help: 'Use the container name instead of its ID in unit names and commands' },
    { name: 'new', type: 'bool', help: 'Create a new container from the image at each start and remove it at stop' },
    { name: 'no-header', type: 'bool', help: 'Leave out the header (generator version and time)' },
    { name: 'restart-policy', type: 'string', value: 'string', help: `systemd restart policy (${RESTART_POLICIES.join(', ')}) (default "on-failure")` },
    { name: 'restart-sec', type: 'int', value: 'uint', help: 'systemd RestartSec= in seconds' },
    { name: 'time', short: 't', type: 'int', value: 'uint', help: 'Stop timeout in seconds (default: the container\'s, else 10)' },
    { name: 'container-prefix', type: 'string', value: 'string', default: 'container', help: 'Unit name prefix for containers' },
    { name: 'pod-prefix', type: 'string', value: 'string', default: 'pod', help: 'Unit name prefix for pods' },
    { name: 'separator', type: 'string', value: 'string', default: '-', help: 'Separator between the prefix and the name or ID' },
  ],
  async run(cli, flags, [target]) {
    const o: GenerateOptions = {
      ...defaultOptions,
      name: flags.name as boolean,
      new: flags.new as boolean,
      noHeader: flags['no-header'] as boolean,
      containerPrefix: flags['container-prefix'] as string,
      podPrefix: flags['pod-prefix'] as string,
      separator: flags.separator as string,
      ...(flags['restart-policy'] !== undefined ? { restartPolicy: flags['restart-policy'] as string } : {}),
      ...(flags['restart-sec'] !== undefined ? { restartSec: flags['restart-sec'] as number } : {}),
      ...(flags.time !== undefined ? { stopTimeout: flags.time as number } : {}),
    };
    for (const k of ['restart-sec', 'time'] as const) if (flags[k] !== undefined && (flags[k] as number) < 0) throw invalid(`--${k} must not be negative`);
    try {
      validateOptions(o);
    } catch (e) {
      throw invalid((e as Error).message);
    }
    // A container by that name or id, else a pod (its unit plus one per member).
    const source = await containerSource(cli.engine, target).catch(async (e: Error) => {
      try {
        return await podSource(cli.engine, target);
      } catch {
        throw e;
      }
    });
    let units;
    try {
      units = unitsFor(source, installation(cli.config), o);
    } catch (e) {
      throw invalid((e as Error).message);
    }
    for (const u of units) for (const w of u.warnings) cli.err(`WARNING: ${w}\n`);
    if (flags.files) {
      for (const u of units) {
        const path = resolve(join(process.cwd(), u.serviceName));
        writeFileSync(path, u.text);
        cli.out(`${path}\n`);
      }
      return;
    }
    cli.out(units.map((u) => u.text).join('\n'));
  },
};
