// Human-readable sizes and durations the way docker prints them (github.com/docker/go-units
// semantics), plus Go's floating-point formatting (strconv.FormatFloat / fmt's %e %f %g %v),
// which both go-units and the template engine's printf depend on.

// ---------------------------------------------------------------------------------------------
// Go float formatting

/** Decimal digits of a positive number: value = 0.d × 10^dp; d has no leading/trailing zeros. */
interface Digits {
  d: string;
  dp: number;
}

/** Shortest digits that round-trip (what Go's strconv picks with precision -1; JS picks the same). */
function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const s = x.toExponential(); // e.g. "1.2345e+5"
  const e = s.indexOf('e');
  const d = (s.slice(0, e).replace('.', '')).replace(/0+$/, '');
  return { d, dp: Number(s.slice(e + 1)) + 1 };
}

/** The exact decimal expansion of a finite double (x > 0). */
function exactDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (expBits === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = expBits - 1075;
  }
  let d: string;
  let dp: number;
  if (e >= 0) {
    d = (mant << BigInt(e)).toString();
    dp = d.length;
  } else {
    d = (mant * 5n ** BigInt(-e)).toString();
    dp = d.length + e;
  }
  return { d: d.replace(/0+$/, ''), dp };
}

/** Round to nd significant digits, ties to even on the exact value (Go's decimal.Round). */
function roundDigits(x: Digits, nd: number): Digits {
  const { d, dp } = x;
  if (nd < 0 || nd >= d.length) return x;
  let up: boolean;
  if (d[nd] === '5' && nd + 1 === d.length) up = nd > 0 && (d.charCodeAt(nd - 1) - 48) % 2 === 1;
  else up = d[nd]! >= '5';
  if (!up) return { d: d.slice(0, nd).replace(/0+$/, ''), dp };
  let i = nd - 1;
  while (i >= 0 && d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: dp + 1 };
  return { d: d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1), dp };
}

function fmtE(neg: boolean, x: Digits, prec: number, upper: boolean): string {
  let s = neg ? '-' : '';
  s += x.d.length > 0 ? x.d[0] : '0';
  if (prec > 0) {
    s += '.';
    const frac = x.d.slice(1, 1 + prec);
    s += frac + '0'.repeat(prec - frac.length);
  }
  const exp = x.d.length === 0 ? 0 : x.dp - 1;
  const a = Math.abs(exp);
  s += (upper ? 'E' : 'e') + (exp < 0 ? '-' : '+') + (a < 10 ? '0' : '') + String(a);
  return s;
}

function fmtF(neg: boolean, x: Digits, prec: number): string {
  let s = neg ? '-' : '';
  if (x.dp > 0) {
    const intPart = x.d.slice(0, x.dp);
    s += intPart + '0'.repeat(x.dp - intPart.length);
  } else s += '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = x.dp + i - 1;
      s += j >= 0 && j < x.d.length ? x.d[j] : '0';
    }
  }
  return s;
}

export type GoFloatVerb = 'e' | 'E' | 'f' | 'F' | 'g' | 'G';

/**
 * Go's strconv.FormatFloat(x, verb, prec, 64): prec -1 means the shortest representation
 * that round-trips (so %v is `goFormatFloat(x, 'g', -1)`). Infinities and NaN come out as
 * "+Inf", "-Inf" and "NaN".
 */
export function goFormatFloat(x: number, verb: GoFloatVerb, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  const shortest = prec < 0;
  let digs: Digits;
  const lower = verb.toLowerCase() as 'e' | 'f' | 'g';
  if (shortest) {
    digs = shortestDigits(abs);
    if (lower === 'e') prec = Math.max(digs.d.length - 1, 0);
    else if (lower === 'f') prec = Math.max(digs.d.length - digs.dp, 0);
    else prec = digs.d.length;
  } else {
    digs = exactDigits(abs);
    if (lower === 'e') digs = roundDigits(digs, prec + 1);
    else if (lower === 'f') digs = roundDigits(digs, digs.dp + prec);
    else {
      if (prec === 0) prec = 1;
      digs = roundDigits(digs, prec);
    }
  }
  if (lower === 'e') return fmtE(neg, digs, prec, verb === 'E');
  if (lower === 'f') return fmtF(neg, digs, prec);
  let eprec = prec;
  if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
  if (shortest) eprec = 6;
  const exp = digs.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > digs.d.length) prec = digs.d.length;
    return fmtE(neg, digs, prec - 1, verb === 'G');
  }
  if (prec > digs.dp) prec = digs.d.length;
  return fmtF(neg, digs, Math.max(prec - digs.dp, 0));
}

// ---------------------------------------------------------------------------------------------
// Sizes

const DECIMAL_ABBRS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_ABBRS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function sizeAndUnit(size: number, base: number, abbrs: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < abbrs.length - 1) {
    size /= base;
    i++;
  }
  return [size, abbrs[i]!];
}

/** go-units HumanSizeWithPrecision: decimal units, `%.<precision>g` ("4.86MB", "1e+03kB"). */
export function humanSizeWithPrecision(bytes: number, precision: number): string {
  const [n, unit] = sizeAndUnit(bytes, 1000, DECIMAL_ABBRS);
  return goFormatFloat(n, 'g', precision) + unit;
}

/**
 * The SIZE column of `docker images`/`docker ps`: decimal units, 3 significant digits
 * (docker calls HumanSizeWithPrecision(size, 3)). 0 → "0B", 512 → "512B", 4_860_000 → "4.86MB".
 */
export function humanSize(bytes: number): string {
  return humanSizeWithPrecision(bytes, 3);
}

/** go-units BytesSize: binary units, 4 significant digits ("1.5MiB", "44KiB"). */
export function bytesSize(bytes: number): string {
  const [n, unit] = sizeAndUnit(bytes, 1024, BINARY_ABBRS);
  return goFormatFloat(n, 'g', 4) + unit;
}

const DECIMAL_MAP: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
const BINARY_MAP: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** strconv.ParseFloat for the decimal forms people write; throws Go's error otherwise. */
function parseGoFloat(s: string): number {
  if (!FLOAT_RE.test(s)) throw new Error(`strconv.ParseFloat: parsing "${s}": invalid syntax`);
  return Number(s);
}

function parseSizeWith(str: string, map: Record<string, number>): number {
  let sep = -1;
  for (let i = str.length - 1; i >= 0; i--) {
    const c = str[i]!;
    if ((c >= '0' && c <= '9') || c === '.' || c === ' ') {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new Error(`invalid size: '${str}'`);
  let num: string;
  let sfx: string;
  if (str[sep] !== ' ') {
    num = str.slice(0, sep + 1);
    sfx = str.slice(sep + 1);
  } else {
    num = str.slice(0, sep);
    sfx = str.slice(sep + 1);
  }
  let size = parseGoFloat(num);
  if (size < 0) throw new Error(`invalid size: '${str}'`);
  if (sfx.length === 0) return Math.trunc(size);
  const bad = () => new Error(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw bad();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw bad();
    return Math.trunc(size);
  }
  const mul = map[sfx[0]!];
  if (mul === undefined) throw bad();
  size *= mul;
  if (sfx.length === 2 && sfx[1] !== 'b') throw bad();
  if (sfx.length === 3 && sfx.slice(1) !== 'ib') throw bad();
  return Math.trunc(size);
}

/**
 * go-units RAMInBytes, what docker uses for --memory, --shm-size, etc.: the unit letter is
 * always binary, case-insensitive, with an optional "b"/"ib" after it ("10" → 10, "10k" →
 * 10240, "1.5MB" → 1572864, "64GiB" → 68719476736). Throws on a bad number or suffix with
 * go-units' messages ("invalid size: 'x'", "invalid suffix: 'xb'").
 */
export function parseSize(str: string): number {
  return parseSizeWith(str, BINARY_MAP);
}

/** go-units FromHumanSize: like parseSize but the unit letters are decimal ("1.5MB" → 1500000). */
export function fromHumanSize(str: string): number {
  return parseSizeWith(str, DECIMAL_MAP);
}

// ---------------------------------------------------------------------------------------------
// Durations

const HOUR_MS = 3_600_000;

/** go-units HumanDuration for a duration in milliseconds ("Less than a second" … "2 years"). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  // time.Duration.Round(time.Hour): halves round away from zero (ms is positive here).
  const hours = Math.floor(ms / HOUR_MS) + (ms % HOUR_MS >= HOUR_MS / 2 ? 1 : 0);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / HOUR_MS) / 24 / 365)} years`;
}

/** docker's CreatedSince / RunningFor: humanDuration(now - date) + " ago". */
export function timeAgo(date: Date | number | string, now: Date | number = Date.now()): string {
  const t = date instanceof Date ? date.getTime() : typeof date === 'number' ? date : Date.parse(date);
  const n = now instanceof Date ? now.getTime() : now;
  return `${humanDuration(n - t)} ago`;
}
