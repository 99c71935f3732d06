import type { Command } from '../command.js';
import { formatFlag } from '../command.js';
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
    const format = flags.format as string | undefined;
    await cli.backend.system.events({ since: flags.since as string | undefined, until: flags.until as string | undefined, filters: flags.filter as string[] }, ({ ns, ...e }) => {
      const attrs = e.Actor.Attributes;
      const row = { ...e, ID: e.Actor.ID, Status: e.Action, Time: nanoTime(ns), Attrs: Object.entries(attrs).map(([k, v]) => `${k}=${v}`).join(', ') };
      if (format) cli.out(formatList({ format, rows: [row], defaultTable: '' }));
      else cli.out(`${row.Time} ${row.Type} ${row.Action} ${row.ID}${row.Attrs ? ` (${row.Attrs})` : ''}\n`);
    });
  },
};
