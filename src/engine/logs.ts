// Reading a container's log with docker's options (tail, since, until, follow): `berth logs`
// and the API's GET /containers/{id}/logs share this.
import type { ContainerService } from './containers.js';
import type { ContainerRecord } from '../containers/model.js';
import { LogReader, type LogRecord } from '../containers/logs.js';
import { invalid } from '../errors.js';

export interface LogOptions {
  follow: boolean;
  /** lines from the end; Infinity for all */
  tail: number;
  /** ms since the epoch; -Infinity and Infinity for no bound */
  since: number;
  until: number;
  /** stops following when aborted (a client that went away) */
  signal?: AbortSignal;
}

/** docker's --tail: "all" (or a negative count) for everything, else a count of lines. */
export function parseTail(v: string | undefined): number {
  if (v === undefined || v === '' || v === 'all' || /^-\d+$/.test(v)) return Infinity;
  if (!/^\d+$/.test(v)) throw invalid(`invalid --tail "${v}"`);
  return Number(v);
}

/** Emits the log records asked for; with `follow`, keeps going until the container stops. */
export async function readLogs(svc: ContainerService, c: ContainerRecord, o: LogOptions, emit: (recs: LogRecord[]) => void): Promise<void> {
  if (c.hostConfig.LogConfig.Type === 'none') throw invalid('configured logging driver does not support reading');
  const reader = new LogReader(svc.paths(c.id).log);
  const keep = (r: LogRecord) => {
    const t = Date.parse(r.time);
    return t >= o.since && t <= o.until;
  };
  try {
    let first = reader.read().filter(keep);
    if (o.tail !== Infinity) first = o.tail === 0 ? [] : first.slice(-o.tail);
    if (first.length) emit(first);
    if (o.follow) {
      while (!o.signal?.aborted) {
        const now = svc.store.get(c.id);
        const running = now ? (await svc.reconcile(now)).state.Running : false;
        const recs = reader.read().filter(keep);
        if (recs.length) emit(recs);
        if (!running) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const rest = reader.flush().filter(keep);
    if (rest.length) emit(rest);
  } finally {
    reader.close();
  }
}
