// docker's way with several names: act on each, print what `print` returns (the name by
// default) on success, the error on failure, and exit 1 if any failed.
import type { Cli } from './command.js';
import { errorMessage } from '../errors.js';
import { formatInspect } from './format.js';

export async function forEach(cli: Cli, names: string[], act: (name: string) => Promise<string | void>): Promise<number> {
  let failed = false;
  for (const n of names) {
    try {
      const out = await act(n);
      cli.out(`${out ?? n}\n`);
    } catch (e) {
      failed = true;
      cli.err(`Error: ${errorMessage(e)}\n`);
    }
  }
  return failed ? 1 : 0;
}

/** docker's inspect of several objects: print what was found (JSON or --format), the errors on stderr, exit 1 if any failed. */
export async function inspectEach(cli: Cli, format: string | undefined, names: string[], find: (name: string) => unknown): Promise<number> {
  const found: unknown[] = [];
  let failed = false;
  for (const n of names) {
    try {
      found.push(await find(n));
    } catch (e) {
      failed = true;
      cli.err(`Error: ${errorMessage(e)}\n`);
    }
  }
  if (found.length || !format) cli.out(formatInspect(format, found));
  return failed ? 1 : 0;
}
