// Transfer progress as docker shows it: on a terminal a live line per layer with a bar;
// otherwise one plain line each time a layer's status changes; nothing when quiet.
import type { ProgressEvent, ProgressSink } from '../images/progress.js';
import { humanSize } from '../util/units.js';

function bar(current: number, total: number): string {
  const width = 50;
  const pct = total > 0 ? Math.min(1, current / total) : 0;
  const filled = Math.floor(pct * width);
  const arrow = filled < width ? '>' : '';
  return `[${'='.repeat(Math.max(0, filled - (arrow ? 0 : 0)))}${arrow}${' '.repeat(Math.max(0, width - filled - arrow.length))}] ${humanSize(current)}/${humanSize(total)}`;
}

export function progressRenderer(write: (s: string) => void, opts: { tty: boolean; quiet: boolean }): ProgressSink {
  if (opts.quiet) return () => {};
  if (!opts.tty) {
    const last = new Map<string, string>();
    return (ev: ProgressEvent) => {
      if (!ev.id) {
        write(`${ev.status}\n`);
        return;
      }
      if (last.get(ev.id) === ev.status) return;
      last.set(ev.id, ev.status);
      write(`${ev.id}: ${ev.status}\n`);
    };
  }
  const order: string[] = [];
  const lines = new Map<string, string>();
  let lastDraw = 0;
  return (ev: ProgressEvent) => {
    if (!ev.id) {
      write(`${ev.status}\n`);
      order.length = 0;
      lines.clear();
      return;
    }
    let text = `${ev.id}: ${ev.status}`;
    if (ev.progressDetail?.total) text += ` ${bar(ev.progressDetail.current ?? 0, ev.progressDetail.total)}`;
    const isNew = !lines.has(ev.id);
    if (isNew) {
      order.push(ev.id);
      lines.set(ev.id, text);
      write(`${text}\n`);
      return;
    }
    const now = Date.now();
    const isBytes = ev.status === 'Downloading' || ev.status === 'Pushing' || ev.status === 'Extracting';
    lines.set(ev.id, text);
    if (isBytes && now - lastDraw < 100) return;
    lastDraw = now;
    const up = order.length - order.indexOf(ev.id);
    write(`\x1b[${up}A\r\x1b[2K${text}\x1b[${up}B\r`);
  };
}
