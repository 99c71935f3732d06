// Disk usage of a directory tree (bytes of regular files, hardlinks counted once).
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function dirSize(root: string): number {
  const seen = new Set<number>();
  let total = 0;
  const visit = (p: string) => {
    let names: string[];
    try {
      names = readdirSync(p);
    } catch {
      return;
    }
    for (const n of names) {
      const q = join(p, n);
      const st = lstatSync(q, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) visit(q);
      else if (st.isFile() && !seen.has(st.ino)) {
        seen.add(st.ino);
        total += st.size;
      }
    }
  };
  visit(root);
  return total;
}
