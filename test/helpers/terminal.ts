// A command under a real terminal (util-linux's `script` allocates the pty), as a user at a
// shell runs `docker run -it` or `berth exec -it`: type into it, wait for its output, its exit code.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

export interface Terminal {
  write(s: string | Buffer): void;
  /** resolves once the output so far matches (10 s at most) */
  waitFor(re: RegExp): Promise<void>;
  output(): string;
  exited: Promise<number | null>;
}

/** `command` is a shell line for `script -c` (the tests' own constants only). */
export function inTerminal(command: string, env: NodeJS.ProcessEnv): Terminal {
  const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  return {
    write: (s) => void child.stdin.write(s),
    async waitFor(re) {
      for (let i = 0; i < 100 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(out, re);
    },
    output: () => out,
    exited,
  };
}
