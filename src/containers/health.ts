// Health checks without a daemon. When a container with a HEALTHCHECK starts, berth leaves a
// tiny scheduler beside it: /bin/sh sleeping in a loop that runs `berth healthcheck run ID`
// every interval (the shell costs ~1 MB; berth runs only for the check). The check execs the
// test in the container and records the result in the container's record. The loop ends by
// itself when the check reports that the container is gone (exit 2), and stop/rm kill it.
import { spawn } from 'node:child_process';
import type { HealthConfig } from '../images/manifest.js';
import type { Health } from './model.js';
import { invalid } from '../errors.js';

export const NOT_RUNNING = 2;
const SECOND_NS = 1e9;

export interface HealthPlan {
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  retries: number;
}

/** The effective check, or undefined when there is none (or it is NONE). */
export function healthPlan(h: HealthConfig | undefined): HealthPlan | undefined {
  if (!h?.Test?.length || h.Test[0] === 'NONE') return undefined;
  const [kind, ...rest] = h.Test;
  let test: string[];
  if (kind === 'CMD') test = rest;
  else if (kind === 'CMD-SHELL') test = ['/bin/sh', '-c', rest.join(' ')];
  else throw invalid(`unknown health check type ${kind}`);
  const ms = (ns: number | undefined, dflt: number) => (ns && ns > 0 ? ns / 1e6 : dflt);
  return { test, intervalMs: ms(h.Interval, 30_000), timeoutMs: ms(h.Timeout, 30_000), startPeriodMs: ms(h.StartPeriod, 0), retries: h.Retries && h.Retries > 0 ? h.Retries : 3 };
}

/** Go durations as docker's --health-* flags take them: 1s, 500ms, 1m30s. Returns nanoseconds. */
export function parseGoDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/g; // \u00b5: micro (the bundle stays ASCII)
  let total = 0;
  let used = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    const mult = { ns: 1, us: 1e3, '\u00b5s': 1e3, ms: 1e6, s: SECOND_NS, m: 60 * SECOND_NS, h: 3600 * SECOND_NS }[m[2] as 's'];
    total += Number(m[1]) * mult;
    used += m[0].length;
  }
  if (!s || used !== s.length) throw invalid(`invalid duration "${s}"`);
  return Math.round(total);
}

/** Fold one check result into the health state, as docker does. */
export function recordResult(prev: Health | undefined, result: { start: Date; end: Date; code: number; output: string }, plan: HealthPlan, startedAt: number): Health {
  const h: Health = prev ? { ...prev, Log: [...prev.Log] } : { Status: 'starting', FailingStreak: 0, Log: [] };
  h.Log.push({ Start: result.start.toISOString(), End: result.end.toISOString(), ExitCode: result.code, Output: result.output });
  if (h.Log.length > 5) h.Log.splice(0, h.Log.length - 5);
  if (result.code === 0) {
    h.Status = 'healthy';
    h.FailingStreak = 0;
  } else if (result.start.getTime() - startedAt < plan.startPeriodMs && h.Status !== 'healthy') {
    // Failures during the start period do not count.
  } else {
    h.FailingStreak++;
    if (h.FailingStreak >= plan.retries) h.Status = 'unhealthy';
  }
  return h;
}

/** Leave the scheduler running beside the container; returns its pid. argv only, no shell string from input. */
export function startScheduler(plan: HealthPlan, checkCommand: string[]): number {
  const script = 'interval=$1; shift; while sleep "$interval"; do "$@" >/dev/null 2>&1; [ $? -eq 2 ] && exit 0; done';
  const child = spawn('/bin/sh', ['-c', script, 'berth-health', String(plan.intervalMs / 1000), ...checkCommand], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid ?? 0;
}
