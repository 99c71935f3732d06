// berth systemd generate-units: the systemd generator (podman's quadlet, for berth). systemd
// runs generators with three directories (normal, early, late); units go into the first.
// contrib/systemd/berth-generator and berth-user-generator are the shims systemd finds.
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { invalid } from '../../errors.js';
import { installation } from '../../systemd/install.js';
import { SOURCE_EXTENSIONS, translate, type SourceFile } from '../../systemd/quadlet.js';

/** Where declarative units are looked for, first directory first (a name found earlier wins). */
export function unitDirs(user: boolean, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.QUADLET_UNIT_DIRS) return env.QUADLET_UNIT_DIRS.split(':').filter(Boolean);
  if (!user) return ['/run/containers/systemd', '/etc/containers/systemd', '/usr/share/containers/systemd'];
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return [join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'containers/systemd'), `/etc/containers/systemd/users/${uid}`, '/etc/containers/systemd/users'];
}

function readSources(dirs: string[]): SourceFile[] {
  const out: SourceFile[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (!SOURCE_EXTENSIONS.some((e) => name.endsWith(e))) continue;
      const path = join(dir, name);
      try {
        out.push({ name, path, text: readFileSync(path, 'utf8') });
      } catch {
        /* a directory or unreadable file of that name */
      }
    }
  }
  return out;
}

export const command: Command = {
  usage: '[OPTIONS] NORMAL-DIR [EARLY-DIR] [LATE-DIR]',
  summary: 'Turn .container, .volume and .network files into systemd services (run as a systemd generator)',
  args: [0, 3],
  flags: [
    { name: 'user', type: 'bool', help: "Read the user's unit directories (~/.config/containers/systemd) instead of the system's" },
    { name: 'dryrun', type: 'bool', help: 'Print the units instead of writing them' },
  ],
  async run(cli, flags, dirs) {
    const user = flags.user as boolean;
    const out = dirs[0];
    if (!out && !flags.dryrun) throw invalid('missing output directory (systemd passes NORMAL-DIR EARLY-DIR LATE-DIR)');
    const { units, errors } = translate(readSources(unitDirs(user)), installation(cli.config));
    for (const e of errors) cli.err(`berth-generator: ${e}\n`);
    if (flags.dryrun) {
      for (const u of units) cli.out(`---${u.serviceName}---\n${u.text}\n`);
      return errors.length ? 1 : 0;
    }
    mkdirSync(out, { recursive: true });
    for (const u of units) {
      writeFileSync(join(out, u.serviceName), u.text);
      // [Install] as `systemctl enable` would have it: links in TARGET.wants/ and TARGET.requires/.
      for (const [targets, kind] of [[u.wantedBy, 'wants'], [u.requiredBy, 'requires']] as const) {
        for (const t of targets) {
          const dir = join(out, `${t}.${kind}`);
          mkdirSync(dir, { recursive: true });
          const link = join(dir, u.serviceName);
          rmSync(link, { force: true });
          symlinkSync(join('..', u.serviceName), link);
        }
      }
    }
    return errors.length ? 1 : 0;
  },
};
