import type { Command } from '../command.js';
import { formatFlag } from '../command.js';
import { parseFilters, parseTimestamp } from '../../images/filters.js';
import { formatList } from '../format.js';

interface Row {
  seq: number;
  time: bigint | number;
  type: string;
  action: string;
  actor: string;
  attributes: string;
}

const FILTERS = ['type', 'event', 'container', 'image', 'network', 'volume', 'label'] as const;

/** docker's timestamp: RFC 3339 with nanoseconds. */
function nanoTime(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`);
}

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Get real time events from berth (every berth process records them)',
  args: [0, 0],
  flags: [
    { name: 'filter', short: 'f', type: 'strings', value: 'filter', help: 'Filter output based on conditions provided' },
    formatFlag,
    { name: 'since', type: 'string', value: 'string', help: 'Show all events created since timestamp' },
    { name: 'until', type: 'string', value: 'string', help: 'Stream events until this timestamp' },
  ],
  async run(cli, flags) {
    const f = parseFilters(flags.filter as string[], FILTERS);
    const now = Date.now();
    const sinceMs = flags.since ? parseTimestamp(flags.since as string, now) : now;
    const untilMs = flags.until ? parseTimestamp(flags.until as string, now) : Infinity;
    const db = cli.engine.db;
    db.defaultSafeIntegers(true);
    const stmt = db.prepare('SELECT * FROM events WHERE seq > ? AND time >= ? ORDER BY seq');
    let last = 0n;
    const keep = (r: Row, attrs: Record<string, string>) =>
      (!f.has('type') || f.get('type')!.includes(r.type)) &&
      (!f.has('event') || f.get('event')!.some((e) => r.action === e || r.action.startsWith(`${e}:`))) &&
      (['container', 'image', 'network', 'volume'] as const).every((t) => !f.has(t) || (r.type === t && f.get(t)!.some((v) => r.actor.startsWith(v) || attrs.name === v))) &&
      (f.get('label') ?? []).every((l) => {
        const [k, v] = l.split('=');
        return v === undefined ? k in attrs : attrs[k] === v;
      });
    const emit = (rows: Row[]) => {
      const out = [];
      for (const r of rows) {
        last = BigInt(r.seq);
        const ns = BigInt(r.time);
        if (Number(ns / 1_000_000n) > untilMs) continue;
        const attrs = JSON.parse(r.attributes) as Record<string, string>;
        if (!keep(r, attrs)) continue;
        out.push({ Type: r.type, Action: r.action, Actor: { ID: r.actor, Attributes: attrs }, ID: r.actor, Status: r.action, time: Number(ns / 1_000_000_000n), timeNano: Number(ns), Time: nanoTime(ns), Attrs: Object.entries(attrs).map(([k, v]) => `${k}=${v}`).join(', ') });
      }
      if (!out.length) return;
      const format = flags.format as string | undefined;
      if (format) cli.out(formatList({ format, rows: out, defaultTable: '' }));
      else for (const e of out) cli.out(`${e.Time} ${e.Type} ${e.Action} ${e.Actor.ID}${e.Attrs ? ` (${e.Attrs})` : ''}\n`);
    };
    const sinceNs = BigInt(Math.floor(sinceMs)) * 1_000_000n;
    for (;;) {
      emit(stmt.all(last, sinceNs) as Row[]);
      if (Date.now() > untilMs) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  },
};
