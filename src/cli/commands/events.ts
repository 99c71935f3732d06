import type { Command } from '../command.js';
import { formatFlag } from '../command.js';
import { parseFilters, parseTimestamp } from '../../images/filters.js';
import { EVENT_FILTERS, readEvents } from '../../engine/events.js';
import { formatList } from '../format.js';

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
    const f = parseFilters(flags.filter as string[], EVENT_FILTERS);
    const now = Date.now();
    const sinceMs = flags.since ? parseTimestamp(flags.since as string, now) : now;
    const untilMs = flags.until ? parseTimestamp(flags.until as string, now) : Infinity;
    const db = cli.engine.db;
    let last = 0n;
    const sinceNs = BigInt(Math.floor(sinceMs)) * 1_000_000n;
    for (;;) {
      const res = readEvents(db, last, sinceNs, f);
      last = res.last;
      const out = res.events
        .filter((e) => e.timeNano / 1e6 <= untilMs)
        .map(({ seq: _s, ns, ...e }) => {
          const attrs = e.Actor.Attributes;
          return { ...e, ID: e.Actor.ID, Status: e.Action, Time: nanoTime(ns), Attrs: Object.entries(attrs).map(([k, v]) => `${k}=${v}`).join(', ') };
        });
      if (out.length) {
        const format = flags.format as string | undefined;
        if (format) cli.out(formatList({ format, rows: out, defaultTable: '' }));
        else for (const e of out) cli.out(`${e.Time} ${e.Type} ${e.Action} ${e.Actor.ID}${e.Attrs ? ` (${e.Attrs})` : ''}\n`);
      }
      if (Date.now() > untilMs) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  },
};
