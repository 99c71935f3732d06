// The system half of the remote backend: GET /version, /info and the /events stream.
import type { EventOptions, InfoReport, SystemBackend, SystemEvent, VersionReport } from '../backend.js';
import { jsonLines, type ApiClient } from './client.js';
import { filtersQuery, unixTime } from './containers.js';

export class RemoteSystem implements SystemBackend {
  constructor(private readonly api: ApiClient) {}

  version(): Promise<VersionReport> {
    return this.api.call('GET', '/version');
  }

  info(): Promise<InfoReport> {
    return this.api.call('GET', '/info');
  }

  async events(o: EventOptions, onEvent: (e: SystemEvent) => void): Promise<void> {
    const now = Date.now();
    const body = await this.api.stream('GET', '/events', { query: { since: unixTime(o.since, now), until: unixTime(o.until, now), filters: filtersQuery(o.filters) } });
    for await (const line of jsonLines(body)) {
      const m = JSON.parse(line) as Partial<SystemEvent> & { status?: string; id?: string };
      // timeNano read from the text: as a JSON number it loses its last digits
      const exact = /"timeNano"\s*:\s*(\d+)/.exec(line);
      const time = m.time ?? 0;
      onEvent({ Type: m.Type ?? '', Action: m.Action ?? m.status ?? '', Actor: { ID: m.Actor?.ID ?? m.id ?? '', Attributes: m.Actor?.Attributes ?? {} }, scope: m.scope ?? 'local', time, timeNano: m.timeNano ?? time * 1e9, ns: exact ? BigInt(exact[1]) : BigInt(time) * 1_000_000_000n });
    }
  }
}
