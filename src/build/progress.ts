// How `berth build` shows a build: BuildKit's plain log (`#3 [2/5] RUN ...`, the step's
// output with its time offset, `#3 CACHED`, `#3 DONE 0.2s`), or a compact one line per step
// for a terminal, which keeps a failing step's output to show with the error.
import type { BuildEvent } from './builder.js';

export type ProgressMode = 'plain' | 'tty' | 'quiet';

interface Vertex {
  name: string;
  start: number;
  partial: string;
  tail: string[];
}

export class BuildProgress {
  private readonly vertices = new Map<number, Vertex>();
  private readonly started = Date.now();
  private steps = 0;

  constructor(
    private readonly mode: ProgressMode,
    private readonly write: (s: string) => void,
  ) {}

  on(e: BuildEvent): void {
    if (this.mode === 'quiet') return;
    const plain = this.mode === 'plain';
    if (e.type === 'warning') {
      this.write(`[Warning] ${e.message}\n`);
      return;
    }
    if (e.type === 'vertex') {
      this.vertices.set(e.id, { name: e.name, start: Date.now(), partial: '', tail: [] });
      if (plain) this.write(`#${e.id} ${e.name}\n`);
      return;
    }
    const v = this.vertices.get(e.id);
    if (!v) return;
    switch (e.type) {
      case 'output': {
        const text = v.partial + e.data.toString('utf8');
        const lines = text.split('\n');
        v.partial = lines.pop() ?? '';
        for (const l of lines) this.line(e.id, v, l);
        break;
      }
      case 'cached':
        if (plain) this.write(`#${e.id} CACHED\n`);
        else this.write(` => CACHED ${v.name}\n`);
        v.name = '';
        this.steps++;
        break;
      case 'done':
        this.flush(e.id, v);
        if (!v.name) break;
        this.steps++;
        if (plain) this.write(`#${e.id} DONE ${e.seconds.toFixed(1)}s\n`);
        else this.write(` => ${v.name.padEnd(60)} ${e.seconds.toFixed(1)}s\n`);
        break;
      case 'error':
        this.flush(e.id, v);
        if (plain) this.write(`#${e.id} ERROR: ${e.message}\n`);
        else {
          this.write(` => ERROR ${v.name}\n`);
          for (const l of v.tail) this.write(`${l}\n`);
        }
        break;
    }
  }

  private line(id: number, v: Vertex, l: string): void {
    const t = ((Date.now() - v.start) / 1000).toFixed(3);
    if (this.mode === 'plain') this.write(`#${id} ${t} ${l}\n`);
    v.tail.push(`#${id} ${t} ${l}`);
    if (v.tail.length > 20) v.tail.shift();
  }

  private flush(id: number, v: Vertex): void {
    if (v.partial) this.line(id, v, v.partial);
    v.partial = '';
  }

  finish(ok: boolean): void {
    if (this.mode === 'tty') this.write(`[+] Building ${((Date.now() - this.started) / 1000).toFixed(1)}s (${this.steps}/${this.vertices.size}) ${ok ? 'FINISHED' : 'FAILED'}\n`);
  }
}
