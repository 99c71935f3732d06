// `top`: the host's ps over a container's processes (`berth top` prints it, the API parses it).
import { execFile } from 'node:child_process';

/** ps over the given pids; options that would select every process (-e, -A, ax, aux; -ef is -f) are dropped. */
export function psOutput(pids: number[], psArgs: string[]): Promise<string> {
  const own = psArgs.filter((a) => a !== '-e' && a !== '-A' && a !== 'ax' && a !== 'aux').map((a) => (a === '-ef' ? '-f' : a));
  const args = [...(own.length ? own : ['-f']), '-p', pids.join(',') || '0'];
  return new Promise<string>((resolve, reject) => execFile('ps', args, (e, stdout, stderr) => (e && !stdout ? reject(new Error(stderr || e.message)) : resolve(stdout))));
}

/** ps output as docker's /top answer: the header's titles, each row split into as many columns (the last keeps its spaces). */
export function parsePs(out: string): { Titles: string[]; Processes: string[][] } {
  const lines = out.split('\n').filter((l) => l.trim());
  const titles = (lines.shift() ?? '').trim().split(/\s+/);
  const rows = lines.map((l) => {
    const parts = l.trim().split(/\s+/);
    return [...parts.slice(0, titles.length - 1), parts.slice(titles.length - 1).join(' ')];
  });
  return { Titles: titles, Processes: rows };
}
