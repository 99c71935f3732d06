// Every mutation emits an event (docker's events: type, action, actor, attributes), kept in
// SQLite so that `berth events` and the API can read them from any process.
import type { Database } from '../state/db.js';

export interface EngineEvent {
  type: 'image' | 'container' | 'network' | 'volume';
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
