// The caller's own resource limits (from /proc/self/limits): container defaults must never
// ask for more than the hard limits berth itself runs under.
import { readFileSync } from 'node:fs';

export interface Rlimit {
  soft: number;
  hard: number;
}

const NAMES: Record<string, string> = { 'Max open files': 'RLIMIT_NOFILE', 'Max processes': 'RLIMIT_NPROC' };

export function ownRlimits(): Record<string, Rlimit> {
  const out: Record<string, Rlimit> = {};
  for (const line of readFileSync('/proc/self/limits', 'utf8').split('\n').slice(1)) {
    const name = Object.keys(NAMES).find((n) => line.startsWith(n));
    if (!name) continue;
    const [soft, hard] = line.slice(26).trim().split(/\s+/);
    const num = (v: string) => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v));
    out[NAMES[name]] = { soft: num(soft), hard: num(hard) };
  }
  return out;
}
