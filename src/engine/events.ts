// Every mutation emits an event (docker's events: type, action, actor, attributes), kept in
// SQLite so that `berth events` and the API can read them from any process.
import type { Database } from '../state/db.js';

export interface EngineEvent {
  type: 'image' | 'container' | 'network' | 'volume' | 'pod';
  action: string;
  actor: string;
  attributes: Record<string, string>;
  timeNano: bigint;
}

const KEEP = 10_000;

export class Events {
  constructor(private readonly db: Database) {}

  emit(type: EngineEvent['type'], action: string, actor: string, attributes: Record<string, string> = {}): void {
    const ns = BigInt(Date.now()) * 1_000_000n;
    const { lastInsertRowid } = this.db.prepare('INSERT INTO events (time, type, action, actor, attributes) VALUES (?, ?, ?, ?, ?)').run(ns, type, action, actor, JSON.stringify(attributes));
    // Keep the most recent KEEP events (docker keeps fewer, in memory).
    if (Number(lastInsertRowid) % 512 === 0) this.db.prepare('DELETE FROM events WHERE seq <= ?').run(Number(lastInsertRowid) - KEEP);
  }
}

export const EVENT_FILTERS = ['type', 'event', 'container', 'image', 'network', 'volume', 'label'] as const;

/** An event as docker's CLI and the Engine API's /events show it. */
export interface EventMessage {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
  /** the log position, for reading on from here */
  seq: bigint;
  /** timeNano exactly */
  ns: bigint;
}

interface EventRow {
  seq: bigint;
  time: bigint;
  type: string;
  action: string;
  actor: string;
  attributes: string;
}

/** Events after `seq` at or after `sinceNs`, oldest first, that pass the filters (CLI and API share this). */
export function readEvents(db: Database, after: bigint, sinceNs: bigint, filters: Map<string, string[]>): { events: EventMessage[]; last: bigint } {
  const rows = db.prepare('SELECT * FROM events WHERE seq > ? AND time >= ? ORDER BY seq').safeIntegers(true).all(after, sinceNs) as EventRow[];
  const f = filters;
  const out: EventMessage[] = [];
  let last = after;
  for (const r of rows) {
    last = r.seq;
    const attrs = JSON.parse(r.attributes) as Record<string, string>;
    const keep =
      (!f.has('type') || f.get('type')!.includes(r.type)) &&
      (!f.has('event') || f.get('event')!.some((e) => r.action === e || r.action.startsWith(`${e}:`))) &&
      (['container', 'image', 'network', 'volume'] as const).every((t) => !f.has(t) || (r.type === t && f.get(t)!.some((v) => r.actor.startsWith(v) || attrs.name === v))) &&
      (f.get('label') ?? []).every((l) => {
        const [k, v] = l.split('=');
        return v === undefined ? k in attrs : attrs[k] === v;
      });
    if (!keep) continue;
    out.push({ Type: r.type, Action: r.action, Actor: { ID: r.actor, Attributes: attrs }, scope: 'local', time: Number(r.time / 1_000_000_000n), timeNano: Number(r.time), seq: r.seq, ns: r.time });
  }
  return { events: out, last };
}
