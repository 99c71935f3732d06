// The system half of the local backend: this engine's version, info and event log.
import type { EventOptions, InfoReport, SystemBackend, SystemEvent, VersionReport } from '../backend.js';
import type { EngineContext } from '../../engine/context.js';
import { dockerInfo, versionReport } from '../../engine/system.js';
import { EVENT_FILTERS, readEvents } from '../../engine/events.js';
import { parseFilters, parseTimestamp } from '../../images/filters.js';

export class LocalSystem implements SystemBackend {
  constructor(private readonly ctx: EngineContext) {}

  async version(): Promise<VersionReport> {
    return versionReport();
  }

  info(): Promise<InfoReport> {
    return dockerInfo(this.ctx);
  }

  /** The events every berth process records in the database, read as they come (polled). */
  async events(o: EventOptions, onEvent: (e: SystemEvent) => void): Promise<void> {
    const f = parseFilters(o.filters ?? [], EVENT_FILTERS);
    const now = Date.now();
    const sinceMs = o.since ? parseTimestamp(o.since, now) : now;
    const untilMs = o.until ? parseTimestamp(o.until, now) : Infinity;
    const sinceNs = BigInt(Math.floor(sinceMs)) * 1_000_000n;
    let last = 0n;
    for (;;) {
      const got = readEvents(this.ctx.db, last, sinceNs, f);
      last = got.last;
      for (const { seq: _s, ...e } of got.events) if (e.timeNano / 1e6 <= untilMs) onEvent(e);
      if (Date.now() > untilMs) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
