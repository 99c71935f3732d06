// docker's --format semantics for list commands (images, ps, history, ...) and for inspect.
// Both functions return the exact text docker writes to stdout, trailing newline included.

import { goJson, parseTemplate, TemplateError, type Template, type TemplateFunction } from '../util/gotemplate.js';
import { tabwriteText } from '../util/table.js';

export interface FormatListOptions<T> {
  /** The --format value: undefined/'' or 'table' (default table), 'table TEMPLATE', 'json', or a template. */
  format?: string;
  rows: T[];
  /** The command's default, e.g. 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'. */
  defaultTable: string;
  /** Column titles by field name ({ ID: 'IMAGE ID' }); other fields get a title derived from the name. */
  headers?: Record<string, string>;
  /** -q: one quietField(row) (default: the row's ID) per line; any format is ignored, as in docker. */
  quiet?: boolean;
  quietField?: (row: T) => string;
}

/** Titles docker uses across commands whose field name doesn't give them. */
const DEFAULT_HEADERS: Record<string, string> = {
  CreatedSince: 'CREATED',
  RunningFor: 'CREATED',
};

/** "CreatedAt" → "CREATED AT", "IPAddress" → "IP ADDRESS", "ID" → "ID". */
export function fieldToHeader(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toUpperCase();
}

const identity = (v: unknown) => v;

/** docker's templates.HeaderFunctions: these leave the column title alone; pad still pads. */
const HEADER_FUNCS: Record<string, TemplateFunction> = {
  json: identity,
  split: identity,
  join: identity,
  title: identity,
  lower: identity,
  upper: identity,
  truncate: identity,
};

const cache = new Map<string, Template>();

function parseCached(src: string): Template {
  let t = cache.get(src);
  if (!t) {
    t = parseTemplate(src);
    if (cache.size >= 64) cache.delete(cache.keys().next().value as string);
    cache.set(src, t);
  }
  return t;
}

/** The data the header row is rendered from: every field yields its column title. */
function headerContext(headers: Record<string, string> | undefined): object {
  const title = (name: string) => headers?.[name] ?? DEFAULT_HEADERS[name] ?? fieldToHeader(name);
  return new Proxy(Object.create(null) as object, {
    has: (_t, key) => typeof key === 'string',
    // A method, so that `{{.Label "x"}}`-style calls get a title too.
    get: (_t, key) => (typeof key === 'string' ? () => title(key) : undefined),
  });
}

/**
 * docker's row contexts are marshalled as maps, so `json` / `{{json .}}` list their keys
 * sorted. Plain-object rows are given to the template with sorted keys; other rows as they are.
 */
function rowData(row: unknown): unknown {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return row;
  const proto = Object.getPrototypeOf(row);
  if (proto !== Object.prototype && proto !== null) return row;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(row).sort()) out[k] = (row as Record<string, unknown>)[k];
  return out;
}

/**
 * Render a list the way docker's formatter does:
 * - '' / undefined / 'table' → the default table;
 * - 'table TEMPLATE' → a header row (the template run on column titles), then one row per
 *   item, aligned by a tabwriter (minwidth 10, padding 3);
 * - 'json' → `{{json .}}`, one JSON object per line;
 * - anything else → the template per row, one line each, no header, no alignment.
 * The literal two-character sequences `\t` and `\n` in the format become a tab and a newline,
 * and spaces around it are trimmed. Template errors throw TemplateError
 * ("template parsing error: ...").
 */
export function formatList<T>(opts: FormatListOptions<T>): string {
  const { rows } = opts;
  let format = opts.format;
  if (opts.quiet) {
    if (opts.quietField) return rows.map((r) => opts.quietField!(r) + '\n').join('');
    format = '{{.ID}}';
  }
  if (!format || format === 'table') format = opts.defaultTable;

  const isTable = format.startsWith('table');
  let src = isTable ? format.slice('table'.length) : format === 'json' ? '{{json .}}' : format;
  src = src.replace(/^ +| +$/g, '').replace(/\\[tn]/g, (m) => (m === '\\t' ? '\t' : '\n'));
  const tpl = parseCached(src);

  const out: string[] = [];
  for (const row of rows) out.push(tpl.render(rowData(row)), '\n');
  if (!isTable) return out.join('');

  let header: string;
  try {
    header = tpl.render(headerContext(opts.headers), { funcs: HEADER_FUNCS });
  } catch (e) {
    // docker ignores the header template's error and keeps what was written before it.
    if (!(e instanceof TemplateError)) throw e;
    header = e.partial;
  }
  return tabwriteText(header + '\n' + out.join(''));
}

export interface InspectResult {
  /** What docker prints on stdout. */
  output: string;
  /** One message per object whose template failed (docker prints them on stderr and exits 1). */
  errors: string[];
}

/**
 * docker inspect's output, keeping going past objects whose template fails (as docker does).
 * A template that doesn't parse throws TemplateError (docker exits 64 before printing anything).
 */
export function inspectOutput(format: string | undefined, objects: unknown[]): InspectResult {
  if (!format) {
    // json.MarshalIndent(v, "", "    ") of the daemon's (HTML-escaped) JSON
    return { output: (objects.length === 0 ? '[]' : goJson(objects, { indent: '    ' })) + '\n', errors: [] };
  }
  if (format === 'json') {
    // one compact JSON array for all objects
    return { output: (objects.length === 0 ? '[]' : goJson(objects)) + '\n', errors: [] };
  }
  const tpl = parseCached(format);
  const out: string[] = [];
  const errors: string[] = [];
  for (const o of objects) {
    try {
      out.push(tpl.render(o), '\n');
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      errors.push(e.message);
    }
  }
  return { output: out.length === 0 ? '\n' : out.join(''), errors };
}

/**
 * `docker inspect [--format F]`:
 * - no format → a JSON array indented with 4 spaces (Go's json.MarshalIndent, HTML-escaped:
 *   "<" is \u003c), "[]" when empty;
 * - 'json' → the same array as compact JSON on one line;
 * - a template → rendered per object, one line each (no trimming or `\t` translation, unlike
 *   list formats).
 * Throws TemplateError ("template parsing error: ...") on the first failure.
 */
export function formatInspect(format: string | undefined, objects: unknown[]): string {
  const r = inspectOutput(format, objects);
  if (r.errors.length > 0) throw new TemplateError(r.errors.join('\n'), r.output);
  return r.output;
}
