// Resolve a container's USER ("name", "uid", "name:group", "uid:gid") against the image's own
// /etc/passwd and /etc/group, as docker does. Files are read through the mounted rootfs,
// never following a symlink out of it.
import { readFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { invalid } from '../errors.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

function readInside(rootfs: string, path: string): string {
  const p = join(rootfs, path);
  try {
    if (lstatSync(p).isSymbolicLink()) return '';
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

function table(text: string): string[][] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}

export function resolveUser(rootfs: string, spec: string): ResolvedUser {
  const [userPart, groupPart] = (spec || '0').split(':', 2);
  const passwd = table(readInside(rootfs, 'etc/passwd'));
  const groups = table(readInside(rootfs, 'etc/group'));
  let uid: number;
  let gid: number;
  let home = '/';
  let name: string | undefined;
  const entry = /^\d+$/.test(userPart) ? passwd.find((p) => p[2] === userPart) : passwd.find((p) => p[0] === userPart);
  if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    gid = entry ? Number(entry[3]) : 0;
  } else if (entry) {
    uid = Number(entry[2]);
    gid = Number(entry[3]);
  } else {
    throw invalid(`unable to find user ${userPart}: no matching entries in passwd file`);
  }
  if (entry) {
    home = entry[5] || '/';
    name = entry[0];
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x[0] === groupPart);
      if (!g) throw invalid(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = Number(g[2]);
    }
  }
  const additionalGids = name ? groups.filter((g) => (g[3] ?? '').split(',').includes(name!)).map((g) => Number(g[2])).filter((g) => g !== gid) : [];
  return { uid, gid, additionalGids, home };
}
