// Reading the k8s-file log conmon writes: "<RFC3339Nano time> <stdout|stderr> <P|F> <text>".
// P records are parts of a line that continues in the next record.
import { closeSync, openSync, readSync, fstatSync, existsSync } from 'node:fs';

export interface LogRecord {
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

export function parseLine(line: string): { time: string; stream: 'stdout' | 'stderr'; partial: boolean; text: string } | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return { time: line.slice(0, a), stream, partial: tag === 'P', text: c < 0 ? '' : line.slice(c + 1) };
}

/** Reads records from a log file incrementally (for `logs -f` and attached `run`). */
export class LogReader {
  private fd: number | undefined;
  private pos = 0;
  private rest = '';
  private pending: Partial<Record<'stdout' | 'stderr', { time: string; text: string }>> = {};

  constructor(private readonly path: string) {}

  /** Open now (before the container starts), so the file can be read even after it is removed. */
  open(fromEnd = false): boolean {
    if (this.fd !== undefined) return true;
    if (!existsSync(this.path)) return false;
    this.fd = openSync(this.path, 'r');
    if (fromEnd) this.pos = fstatSync(this.fd).size;
    return true;
  }

  /** Everything complete that was appended since the last call. */
  read(): LogRecord[] {
    if (!this.open()) return [];
    const out: LogRecord[] = [];
    const size = fstatSync(this.fd!).size;
    if (size < this.pos) {
      // Rotated or truncated: start over on the new content.
      this.pos = 0;
      this.rest = '';
    }
    const buf = Buffer.alloc(64 * 1024);
    let text = '';
    for (;;) {
      const n = readSync(this.fd!, buf, 0, buf.length, this.pos);
      if (n <= 0) break;
      this.pos += n;
      text += buf.subarray(0, n).toString('utf8');
    }
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop() ?? '';
    for (const l of lines) {
      const r = parseLine(l);
      if (!r) continue;
      const p = this.pending[r.stream];
      if (r.partial) {
        this.pending[r.stream] = { time: p?.time ?? r.time, text: (p?.text ?? '') + r.text };
        continue;
      }
      out.push({ time: p?.time ?? r.time, stream: r.stream, text: (p?.text ?? '') + r.text + '\n' });
      delete this.pending[r.stream];
    }
    return out;
  }

  /** Partial lines still waiting for their end (flushed when the container has exited). */
  flush(): LogRecord[] {
    const out: LogRecord[] = [];
    for (const s of ['stdout', 'stderr'] as const) {
      const p = this.pending[s];
      if (p) out.push({ time: p.time, stream: s, text: p.text });
    }
    this.pending = {};
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
