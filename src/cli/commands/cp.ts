import { lstatSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from '../command.js';
import { copyDestination, packPath, unpackInto } from '../../containers/copy.js';
import { invalid, notFound } from '../../errors.js';

/** "name:/path" -> [name, path]; a plain path (or one starting with / or .) is on the host. */
function splitTarget(arg: string): [string | undefined, string] {
  if (arg.startsWith('/') || arg.startsWith('.') || !arg.includes(':')) return [undefined, arg];
  const i = arg.indexOf(':');
  return [arg.slice(0, i), arg.slice(i + 1)];
}

export const command: Command = {
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  summary: 'Copy files/folders between a container and the local filesystem',
  aliases: ['berth container cp', 'berth cp'],
  args: [2, 2],
  flags: [
    { name: 'archive', short: 'a', type: 'bool', help: 'Archive mode (copy all uid/gid information)' },
    { name: 'follow-link', short: 'L', type: 'bool', help: 'Always follow symbol link in SRC_PATH' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress progress output during copy' },
  ],
  async run(cli, flags, [src, dst]) {
    const containers = cli.backend.containers;
    const [sc, sp] = splitTarget(src);
    const [dc, dp] = splitTarget(dst);
    if (sc && dc) throw invalid('copying between containers is not supported');
    if (!sc && !dc) throw invalid('must specify at least one container source');
    if (sc) {
      if (dp === '-') return void (await containers.copyFrom(sc, sp, { followLink: flags['follow-link'] as boolean }, (tar) => pipeline(tar, process.stdout)));
      const dest = resolve(dp);
      await containers.copyFrom(sc, sp, { followLink: flags['follow-link'] as boolean }, async (tar, info) => {
        const st = lstatSync(dest, { throwIfNoEntry: false });
        const where = copyDestination(dest, info.name, info.isDir, Boolean(st?.isDirectory()), Boolean(st), sp.endsWith('/.'));
        await unpackInto(tar, where.dir, { rename: where.rename, owners: flags.archive as boolean });
      });
      return;
    }
    if (sp === '-') {
      // A tar archive on stdin is unpacked into the destination directory as it is.
      await containers.copyTo(dc!, dp, { tar: process.stdin, name: '.', isDir: true }, { owners: true, contentsOnly: false });
      return;
    }
    const abs = resolve(sp);
    const st = flags['follow-link'] ? statSync(abs, { throwIfNoEntry: false }) : lstatSync(abs, { throwIfNoEntry: false });
    if (!st) throw notFound(`lstat ${abs}: no such file or directory`);
    const name = basename(abs);
    await containers.copyTo(dc!, dp, { tar: packPath(abs, name, { owners: flags.archive as boolean }), name, isDir: st.isDirectory() }, { owners: flags.archive as boolean, contentsOnly: sp.endsWith('/.') });
  },
};
