// Go's text/tabwriter (elastic tabstops) as the docker CLI configures it:
// tabwriter.NewWriter(out, 10, 1, 3, ' ', 0) — minwidth 10, tabwidth 1, padding 3, spaces.
//
// Cells are *terminated* by '\t' (or '\v'); the text after the last tab of a line is not part
// of any column and is never padded. Tab-terminated cells in consecutive lines form a column
// block whose width is max(minwidth, widest cell + padding); a line with fewer cells ends the
// blocks of the columns it lacks. Widths are display widths (docker's fork of tabwriter uses
// go-runewidth: East Asian wide characters and emoji count 2, combining marks 0).

export interface TabwriterOptions {
  minwidth?: number;
  tabwidth?: number;
  padding?: number;
  /** A single character; '\t' pads with tabs, assuming tabs are `tabwidth` wide. */
  padchar?: string;
}

interface Cell {
  text: string;
  width: number;
  htab: boolean;
}

const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}\u200b-\u200f\ufe00-\ufe0f]/u;
const EMOJI_WIDE = /\p{Emoji_Presentation}/u;

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    cp === 0x2329 ||
    cp === 0x232a ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xa960 && cp <= 0xa97f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe10 && cp <= 0xfe19) ||
    (cp >= 0xfe30 && cp <= 0xfe6f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x16fe0 && cp <= 0x18cff) ||
    (cp >= 0x1b000 && cp <= 0x1b2ff) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Terminal display width of a string (approximately go-runewidth's StringWidth). */
export function displayWidth(s: string): number {
  if (ASCII_PRINTABLE.test(s)) return s.length;
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    if (cp < 0x300) {
      w += 1;
      continue;
    }
    if (ZERO_WIDTH.test(ch)) continue;
    w += isWide(cp) || EMOJI_WIDE.test(ch) ? 2 : 1;
  }
  return w;
}

class Writer {
  private readonly out: string[] = [];
  private lines: Cell[][] = [[]];
  private cell = '';
  private readonly widths: number[] = [];

  constructor(
    private readonly minwidth: number,
    private readonly tabwidth: number,
    private readonly padding: number,
    private readonly padchar: string,
  ) {}

  write(text: string): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      // \t=9 \v=11 \n=10 \f=12
      if (ch < 9 || ch > 12) continue;
      this.cell += text.slice(start, i);
      start = i + 1;
      const ncells = this.terminateCell(ch === 9);
      if (ch === 10 || ch === 12) {
        this.lines.push([]);
        // A single-cell line can't influence later columns, so flushing changes nothing
        // but keeps blocks small; a formfeed always forces a flush.
        if (ch === 12 || ncells === 1) this.flush();
      }
    }
    this.cell += text.slice(start);
  }

  private terminateCell(htab: boolean): number {
    const line = this.lines[this.lines.length - 1]!;
    line.push({ text: this.cell, width: displayWidth(this.cell), htab });
    this.cell = '';
    return line.length;
  }

  flush(): void {
    if (this.cell.length > 0) this.terminateCell(false);
    this.format(0, this.lines.length);
    this.lines = [[]];
  }

  result(): string {
    this.flush();
    return this.out.join('');
  }

  private pad(textw: number, cellw: number): void {
    if (this.padchar === '\t') {
      if (this.tabwidth === 0) return;
      cellw = Math.ceil(cellw / this.tabwidth) * this.tabwidth;
      this.out.push('\t'.repeat(Math.ceil((cellw - textw) / this.tabwidth)));
      return;
    }
    if (cellw > textw) this.out.push(this.padchar.repeat(cellw - textw));
  }

  private writeLines(line0: number, line1: number): void {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i]!;
      for (let j = 0; j < line.length; j++) {
        const c = line[j]!;
        this.out.push(c.text);
        if (j < this.widths.length) this.pad(c.width, this.widths[j]!);
      }
      // The last buffered line is the incomplete one (no newline yet): its only cell was
      // terminated by flush() and is written above, without a newline.
      if (i + 1 < this.lines.length) this.out.push('\n');
    }
  }

  private format(line0: number, line1: number): void {
    const column = this.widths.length;
    for (let cur = line0; cur < line1; cur++) {
      if (column >= this.lines[cur]!.length - 1) continue;
      // A cell exists in this column: print the lines before the block, then size the block.
      this.writeLines(line0, cur);
      line0 = cur;
      let width = this.minwidth;
      for (; cur < line1; cur++) {
        const line = this.lines[cur]!;
        if (column >= line.length - 1) break;
        const w = line[column]!.width + this.padding;
        if (w > width) width = w;
      }
      this.widths.push(width);
      this.format(line0, cur);
      this.widths.pop();
      line0 = cur;
    }
    this.writeLines(line0, line1);
  }
}

/** Run raw text through a tabwriter (docker's settings unless overridden) and return the output. */
export function tabwriteText(text: string, opts: TabwriterOptions = {}): string {
  const w = new Writer(opts.minwidth ?? 10, opts.tabwidth ?? 1, opts.padding ?? 3, opts.padchar ?? ' ');
  w.write(text);
  return w.result();
}

/**
 * Align tab-separated lines like docker's table output. Each input line (cells separated by
 * '\t') becomes one output line terminated by '\n'.
 */
export function tabwrite(lines: string[], opts: TabwriterOptions = {}): string {
  if (lines.length === 0) return '';
  return tabwriteText(lines.join('\n') + '\n', opts);
}
