// Diagnostics on stderr, in the logrus style docker and podman print:
//   time="2026-11-29T23:45:00Z" level=debug msg="GET http://127.0.0.1:5000/v2/ 200"
// The level comes from --log-level / BERTH_LOG_LEVEL / log_level (default warn).
import type { LogLevel } from '../config.js';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let threshold = ORDER.warn;

export function setLogLevel(l: LogLevel): void {
  threshold = ORDER[l];
}

function emit(l: LogLevel, msg: string): void {
  if (ORDER[l] < threshold) return;
  process.stderr.write(`time="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}" level=${l} msg=${JSON.stringify(msg)}\n`);
}

export const log = {
  debug: (m: string) => emit('debug', m),
  info: (m: string) => emit('info', m),
  warn: (m: string) => emit('warn', m),
  error: (m: string) => emit('error', m),
  enabled: (l: LogLevel) => ORDER[l] >= threshold,
};
